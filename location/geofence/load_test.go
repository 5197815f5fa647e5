package geofence

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// clinicRules is what testdata/rules.{yaml,json} hold.
var clinicRules = []Rule{
	{ID: "patient-at-exit", Name: "Patient at an exit", Type: RuleRestricted, Group: &Group{Category: "exit"},
		TagClass: "patient", Debounce: time.Second, Enabled: true},
	{ID: "isolation-30m", Type: RuleDwell, ZoneID: "L0-S03", TagClass: "staff", Duration: 30 * time.Minute, Enabled: true},
	{ID: "pumps-par", Type: RulePar, ZoneID: "L0-S00", TagClass: "asset", AssetType: "infusion_pump", MinCount: 2, Enabled: true},
	{ID: "pump-missing", Type: RuleAbsence, TagClass: "asset", Duration: 10 * time.Minute, Enabled: true},
	{ID: "left-unit", Type: RuleExit, Group: &Group{ZoneIDs: []string{"L0-S00", "L0-N01"}}},
}

func TestLoadRulesFile(t *testing.T) {
	for _, path := range []string{"testdata/rules.yaml", "testdata/rules.json"} {
		t.Run(path, func(t *testing.T) {
			rules, err := LoadRulesFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(rules, clinicRules) {
				t.Fatalf("got  %+v\nwant %+v", rules, clinicRules)
			}
			if _, err := New(clinicPlan(t), Config{}, rules, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestLoadRulesErrors(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		in     string
		want   string
	}{
		{"yaml field", FormatYAML, "rules:\n  - id: a\n    event_type: ENTER\n    zone_id: A\n  - id: b\n    event_type: DWELL\n    zone_id: A\n",
			`geofence: line 5: rule "b": duration: must be > 0 for DWELL`},
		{"yaml bare list", FormatYAML, "- id: a\n  event_type: PAR\n  zone_id: A\n",
			`geofence: line 1: rule "a": min_count: must be >= 1 for PAR`},
		{"yaml unknown field", FormatYAML, "- id: a\n  event_type: ENTER\n  zone: A\n", `line 3: unknown field "zone"`},
		{"yaml unknown group field", FormatYAML, "- id: a\n  event_type: ENTER\n  group: {categroy: exit}\n", `line 3: unknown field "group.categroy"`},
		{"yaml bad duration", FormatYAML, "- id: a\n  event_type: DWELL\n  zone_id: A\n  duration: 30\n", `line 4: want a duration like "30s" or "30m", got "30"`},
		{"yaml repeated id", FormatYAML, "- {id: a, event_type: ENTER, zone_id: A}\n- {id: a, event_type: EXIT, zone_id: A}\n",
			`geofence: line 2: rule "a": id: repeats the rule at line 1`},
		{"yaml top key", FormatYAML, "rulez: []\n", `line 1: unknown key "rulez" (want "rules")`},
		{"yaml syntax", FormatYAML, "- id: [\n", "geofence: bad file"},
		{"json field", FormatJSON, `[{"id":"a","event_type":"ENTER","zone_id":"A"},{"id":"b","event_type":"ENTER","tag_class":"robot","zone_id":"A"}]`,
			`geofence: rules[1]: rule "b": tag_class: unknown class "robot"`},
		{"json unknown field", FormatJSON, `{"rules":[{"id":"a","evnt_type":"ENTER"}]}`, `rules[0]: json: unknown field "evnt_type"`},
		{"json bad duration", FormatJSON, `[{"id":"a","event_type":"DWELL","zone_id":"A","duration":30}]`, "rules[0]: want a duration string"},
		{"json trailing", FormatJSON, `[] []`, "data after the end"},
		{"unknown format", "toml", "", `format "toml"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadRules(strings.NewReader(tc.in), tc.format)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) && !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v is neither a ValidationError nor ErrFormat", err)
			}
		})
	}
}

func TestLoadRulesEmpty(t *testing.T) {
	for _, tc := range []struct {
		format Format
		in     string
	}{{FormatYAML, ""}, {FormatYAML, "rules: []\n"}, {FormatJSON, "[]"}, {FormatJSON, `{"rules":[]}`}} {
		rules, err := LoadRules(strings.NewReader(tc.in), tc.format)
		if err != nil || len(rules) != 0 {
			t.Fatalf("%q: got %v, %v", tc.in, rules, err)
		}
	}
}

func TestLoadRegistryFile(t *testing.T) {
	want := []Tag{
		{ID: "PAT-001", Class: "patient", Unit: "4E", EncounterRef: "ENC-7001"},
		{ID: "PUMP-008", Class: "asset", Type: "infusion_pump", Name: "IP-8", Unit: "4W", Status: StatusAvailable,
			Serial: "SN-1008", Model: "Alaris 8100", Department: "biomed", MaintenanceDue: 1801353600000},
		{ID: "STAFF-000", Class: "staff", Type: "nurse", Name: "Nurse 0", Role: "RN", Unit: "4W"},
	}
	for _, path := range []string{"testdata/tags.csv", "testdata/tags.yaml", "testdata/tags.json"} {
		t.Run(path, func(t *testing.T) {
			reg, err := LoadRegistryFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := reg.Tags(); !reflect.DeepEqual(got, want) {
				t.Fatalf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestLoadRegistryErrors(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		in     string
		want   string
	}{
		{"csv class", FormatCSV, "id,class\nPAT-SECRET,patient\nPAT-SECRET2,visitor\n", `geofence: line 3: tag: class: unknown class "visitor"`},
		{"csv fields", FormatCSV, "A\n", "line 1: 1 fields; want 2 to 12"},
		{"csv repeated", FormatCSV, "PAT-SECRET,patient\nPAT-SECRET,patient\n", "geofence: line 2: tag: id: repeats the tag at line 1"},
		{"csv patient name", FormatCSV, "id,class,name\nPAT-SECRET,patient,Jane Roe\n", "geofence: line 2: tag: name: must be empty for a patient"},
		{"csv header", FormatCSV, "id,class,colour\n", `line 1: column 3: "colour" is not a tag field`},
		{"csv due", FormatCSV, "id,class,maintenance_due\nPUMP-SECRET,asset,31/01/2027\n", "geofence: line 2: tag: maintenance_due: \"31/01/2027\" is neither"},
		{"yaml status", FormatYAML, "- {id: PAT-SECRET, class: patient, status: SOILED}\n", "geofence: line 1: tag: status: only a tag of class asset has one"},
		{"yaml class", FormatYAML, "- {id: PAT-SECRET}\n", "geofence: line 1: tag: class: required"},
		{"json class", FormatJSON, `{"tags":[{"id":"PAT-SECRET","class":"x"}]}`, `geofence: tags[0]: tag: class: unknown class "x"`},
		{"extension", "", "", `format ""`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadRegistry(strings.NewReader(tc.in), tc.format)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Fatalf("error carries a tag id: %v", err)
			}
		})
	}
	if _, err := LoadRegistryFile("testdata/tags.txt"); !errors.Is(err, ErrFormat) {
		t.Fatalf("got %v, want ErrFormat", err)
	}
}

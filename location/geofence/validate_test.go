package geofence

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

func TestValidateRule(t *testing.T) {
	ok := Rule{ID: "r1", Type: RuleEnter, ZoneID: "A"}
	tests := []struct {
		name string
		edit func(*Rule)
		want string // "" for valid
	}{
		{"valid", func(*Rule) {}, ""},
		{"no id", func(r *Rule) { r.ID = "" }, `geofence: rule: id: required`},
		{"long id", func(r *Rule) { r.ID = strings.Repeat("x", 257) }, "id: longer than 256 bytes"},
		{"control in id", func(r *Rule) { r.ID = "a\nb" }, "id: contains a control character"},
		{"no type", func(r *Rule) { r.Type = "" }, `geofence: rule "r1": event_type: unknown type ""`},
		{"bad type", func(r *Rule) { r.Type = "TELEPORT" }, `event_type: unknown type "TELEPORT"`},
		{"no target", func(r *Rule) { r.ZoneID = "" }, `geofence: rule "r1": zone_id: required: a zone_id or a group`},
		{"absence without target", func(r *Rule) { r.ZoneID, r.Type, r.Duration = "", RuleAbsence, time.Minute }, ""},
		{"two targets", func(r *Rule) { r.Group = &Group{Category: "exit"} }, "zone_id: set both zone_id and group; want one"},
		{"empty group", func(r *Rule) { r.ZoneID, r.Group = "", &Group{} }, "group: required: a category or zone_ids"},
		{"group with both", func(r *Rule) { r.ZoneID, r.Group = "", &Group{Category: "c", ZoneIDs: []string{"A"}} }, "group: set both"},
		{"empty id in group", func(r *Rule) { r.ZoneID, r.Group = "", &Group{ZoneIDs: []string{"A", ""}} }, `rule "r1": group.zone_ids[1]: required`},
		{"repeated id in group", func(r *Rule) { r.ZoneID, r.Group = "", &Group{ZoneIDs: []string{"A", "B", "A"}} }, `group.zone_ids[2]: zone "A" listed twice`},
		{"bad class", func(r *Rule) { r.TagClass = "robot" }, `geofence: rule "r1": tag_class: unknown class "robot"`},
		{"dwell without duration", func(r *Rule) { r.Type = RuleDwell }, `geofence: rule "r1": duration: must be > 0 for DWELL`},
		{"absence negative", func(r *Rule) { r.Type, r.Duration = RuleAbsence, -time.Second }, "duration: must be > 0 for ABSENCE"},
		{"enter with duration", func(r *Rule) { r.Duration = time.Second }, "duration: must be 0 for ENTER"},
		{"negative debounce", func(r *Rule) { r.Debounce = -1 }, `geofence: rule "r1": debounce: must not be negative`},
		{"par without min", func(r *Rule) { r.Type = RulePar }, `geofence: rule "r1": min_count: must be >= 1 for PAR`},
		{"min on enter", func(r *Rule) { r.MinCount = 3 }, "min_count: must be 0 for ENTER"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ok
			tc.edit(&r)
			err := Validate(r)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrInvalidRule) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestValidateZone(t *testing.T) {
	plan := testPlan(t)
	ok := Zone{ID: "Z", Level: "L0", Polygon: polygon(0, 0, 1, 1)}
	bowtie := orb.Polygon{{{0, 0}, {1, 1}, {1, 0}, {0, 1}}}
	tests := []struct {
		name string
		edit func(*Zone)
		want string
	}{
		{"valid open ring", func(*Zone) {}, ""},
		{"valid closed ring", func(z *Zone) { z.Polygon = orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}} }, ""},
		{"no id", func(z *Zone) { z.ID = "" }, "geofence: zone: id: required"},
		{"no level", func(z *Zone) { z.Level = "" }, `geofence: zone "Z": level_id: required`},
		{"unknown level", func(z *Zone) { z.Level = "L7" }, `geofence: zone "Z": level_id: unknown level "L7"`},
		{"no polygon", func(z *Zone) { z.Polygon = nil }, `geofence: zone "Z": polygon: polygon has no rings`},
		{"two points", func(z *Zone) { z.Polygon = orb.Polygon{{{0, 0}, {1, 1}}} }, "polygon: ring has fewer than 3 distinct vertices"},
		{"collinear", func(z *Zone) { z.Polygon = orb.Polygon{{{0, 0}, {1, 1}, {2, 2}}} }, "polygon: ring self-intersects"},
		{"bow tie", func(z *Zone) { z.Polygon = bowtie }, "polygon: ring self-intersects near (1.000, 0.000)"},
		{"NaN", func(z *Zone) { z.Polygon[0][1][0] = nan() }, "polygon: non-finite coordinate"},
		{"bad hole", func(z *Zone) { z.Polygon = append(z.Polygon, orb.Ring{{0.2, 0.2}}) }, "polygon: hole 1: ring has fewer than 3 distinct vertices"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			z := ok.clone()
			tc.edit(&z)
			err := ValidateZone(z, plan)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrInvalidZone) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// nan returns a NaN without a constant expression.
func nan() float64 {
	zero := 0.0
	return zero / zero
}

func TestValidateTag(t *testing.T) {
	tests := []struct {
		tag  Tag
		want string
	}{
		{Tag{ID: "T", Class: "staff"}, ""},
		{Tag{ID: "", Class: "staff"}, "geofence: tag: id: required"},
		{Tag{ID: "PAT-SECRET", Class: "robot"}, `geofence: tag: class: unknown class "robot"`},
		{Tag{ID: "PAT-SECRET"}, "geofence: tag: class: required"},
		{Tag{ID: "PAT-SECRET", Class: "patient", Unit: "4W", EncounterRef: "ENC-1"}, ""},
		{Tag{ID: "PAT-SECRET", Class: "patient", Name: "Jane Roe"}, "geofence: tag: name: must be empty for a patient"},
		{Tag{ID: "PUMP-SECRET", Class: "asset", Status: StatusSoiled, Serial: "SN", Model: "M", Department: "biomed", MaintenanceDue: 1}, ""},
		{Tag{ID: "PUMP-SECRET", Class: "asset", Status: "BROKEN"}, `geofence: tag: status: unknown status "BROKEN"`},
		{Tag{ID: "PUMP-SECRET", Class: "asset", Status: StatusMissing, MissingFrom: StatusSoiled}, ""},
		{Tag{ID: "PUMP-SECRET", Class: "asset", Status: StatusSoiled, MissingFrom: StatusSoiled}, "geofence: tag: missing_from: set only on a MISSING asset"},
		{Tag{ID: "PUMP-SECRET", Class: "asset", MaintenanceDue: -1}, "geofence: tag: maintenance_due: must not be before 1970"},
		{Tag{ID: "S-SECRET", Class: "staff", Role: "RN", Unit: "4W"}, ""},
		{Tag{ID: "S-SECRET", Class: "staff", Status: StatusAvailable}, "geofence: tag: status: only a tag of class asset has one"},
		{Tag{ID: "S-SECRET", Class: "staff", MaintenanceDue: 5}, "geofence: tag: maintenance_due: only a tag of class asset has one"},
		{Tag{ID: "S-SECRET", Class: "staff", EncounterRef: "ENC"}, "geofence: tag: encounter_ref: only a tag of class patient has one"},
		{Tag{ID: "PUMP-SECRET", Class: "asset", Role: "RN"}, "geofence: tag: role: only a tag of class staff has one"},
		{Tag{ID: "PUMP-SECRET", Class: "asset", Serial: "\xff"}, "geofence: tag: serial: not valid UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.want+tc.tag.ID, func(t *testing.T) {
			err := ValidateTag(tc.tag)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want %q", err, tc.want)
			case err != nil && strings.Contains(err.Error(), "SECRET"):
				t.Fatalf("error carries the tag id: %v", err)
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	plan := testPlan(t)
	tests := []struct {
		name  string
		cfg   Config
		rules []Rule
		want  string
	}{
		{"invalid rule", Config{}, []Rule{{ID: "r", Type: RuleDwell, ZoneID: "A"}},
			`geofence: rules[0]: rule "r": duration: must be > 0 for DWELL`},
		{"repeated rule", Config{}, []Rule{{ID: "r", Type: RuleEnter, ZoneID: "A"}, {ID: "r", Type: RuleExit, ZoneID: "A"}},
			`geofence: rules[1]: rule "r": id: repeats an earlier rule`},
		{"zone with a room id", Config{Zones: []Zone{{ID: "A", Level: "L0", Polygon: polygon(0, 0, 1, 1)}}}, nil,
			`geofence: config zones[0]: zone "A": id: is a room or zone of the floorplan`},
		{"invalid zone", Config{Zones: []Zone{{ID: "Z", Level: "L0"}}}, nil, `geofence: config zones[0]: zone "Z": polygon: polygon has no rings`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(plan, tc.cfg, tc.rules, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestNewKeepsDanglingRules(t *testing.T) {
	e, err := New(testPlan(t), Config{NoDefaultEvents: true}, []Rule{{ID: "r", Type: RuleEnter, ZoneID: "GONE", Enabled: true}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := run(e, interleave(walk("S1", "A", 0, 10), ticks(0, 10))); got != nil {
		t.Fatalf("events: %q", brief(got))
	}
	if _, ok := e.Rule("r"); !ok {
		t.Fatal("rule dropped")
	}
}

func TestNewRegistry(t *testing.T) {
	tests := []struct {
		tags []Tag
		want string
	}{
		{[]Tag{{ID: "PAT-SECRET", Class: "Patient"}}, ""},
		{[]Tag{{ID: "a", Class: "staff"}, {ID: "PAT-SECRET", Class: "visitor"}}, `geofence: tags[1]: tag: class: unknown class "visitor" (want staff, asset or patient)`},
		{[]Tag{{ID: "PAT-SECRET", Class: "staff"}, {ID: "PAT-SECRET", Class: "staff"}}, "geofence: tags[1]: tag: id: repeats an earlier tag"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			reg, err := NewRegistry(tc.tags)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got, _ := reg.Get("PAT-SECRET"); got.Class != "patient" {
					t.Fatalf("class %q, want patient", got.Class)
				}
				return
			}
			if err == nil || err.Error() != tc.want || !errors.Is(err, ErrInvalidTag) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	var nilReg *Registry
	if _, ok := nilReg.Get("x"); ok || nilReg.Len() != 0 || nilReg.Tags() != nil || nilReg.Clone().Len() != 0 {
		t.Fatal("nil registry is not empty")
	}
}

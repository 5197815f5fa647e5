package geofence

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// inBED returns the steps of tag standing in API zone BED (inside room A)
// from second from to to.
func inBED(tag string, from, to float64) []step {
	var out []step
	for s := from; s < to; s++ {
		st := obs(tag, "A", s)
		st.pos.X = 3
		out = append(out, st)
	}
	return out
}

// bed is an API zone in room A, category "bed":
//
//	y
//	5 +---+
//	  |BED|   (inside A: x 0.1..3.9)
//	3 +---+
//	 2.5 3.5 x
var bed = Zone{ID: "BED", Name: "bed 1", Level: "L0", Category: "bed", Polygon: polygon(2.5, 3, 3.5, 5)}

func TestDeleteZone(t *testing.T) {
	tests := []struct {
		name  string
		rules []Rule
		want  []string
	}{
		{"no rule", nil, []string{"EXIT BED@20 P1 (zone_removed)", "EXIT BED@20 S1 (zone_removed)"}},
		{"rules on the category: the default closure and each rule's", []Rule{
			{ID: "in", Type: RuleEnter, Group: &Group{Category: "bed"}, Enabled: true},
			{ID: "staff-out", Type: RuleExit, Group: &Group{Category: "bed"}, TagClass: "staff", Enabled: true}},
			[]string{"EXIT BED@20 P1 (zone_removed)", "EXIT BED@20 P1 [in] (zone_removed)",
				"EXIT BED@20 S1 (zone_removed)", "EXIT BED@20 S1 [in] (zone_removed)", "EXIT BED@20 S1 [staff-out] (zone_removed)"}},
		{"par on the category", []Rule{{ID: "beds", Type: RulePar, Group: &Group{Category: "bed"}, TagClass: "patient", MinCount: 1, Enabled: true}},
			[]string{"EXIT BED@20 P1 (zone_removed)", "EXIT BED@20 S1 (zone_removed)", "BELOW_PAR @20 [beds] n=0 (zone_removed)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEngine(t, Config{Zones: []Zone{bed}}, tc.rules...)
			run(e, interleave(inBED("S1", 0, 10), inBED("P1", 0, 10), ticks(0, 15)))
			got, err := e.DeleteZone("BED", sec(20))
			if err != nil {
				t.Fatal(err)
			}
			wantEvents(t, briefTrig(got), tc.want...)
			if _, ok := e.Zone("BED"); ok {
				t.Fatal("zone still there")
			}
			if got := run(e, interleave(inBED("S1", 21, 30), ticks(21, 35))); got != nil {
				t.Fatalf("events after deletion: %q", brief(got))
			}
		})
	}
}

func TestDeleteZoneErrors(t *testing.T) {
	e := newTestEngine(t, Config{Zones: []Zone{bed}}, Rule{ID: "r", Type: RuleDwell, ZoneID: "BED", Duration: time.Minute, Enabled: true})
	tests := []struct {
		id   string
		want error
	}{
		{"nope", ErrUnknownZone},
		{"A", ErrPlanZone},
		{"PZ", ErrPlanZone},
		{"BED", ErrZoneInUse},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			if _, err := e.DeleteZone(tc.id, 0); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestPutZone(t *testing.T) {
	e := newTestEngine(t, Config{NoDefaultEvents: true}, Rule{ID: "in", Type: RuleEnter, Group: &Group{Category: "bed"}, Enabled: true})
	if got := run(e, interleave(inBED("S1", 0, 5), ticks(0, 5))); got != nil {
		t.Fatalf("events before the zone exists: %q", brief(got))
	}
	if err := e.setZone(bed); err != nil {
		t.Fatal(err)
	}
	got := run(e, interleave(inBED("S1", 5, 10), ticks(5, 10)))
	wantEvents(t, brief(got), "ENTER BED@5 S1 [in]")

	for _, tc := range []struct {
		name string
		z    Zone
		want string
	}{
		{"room id", Zone{ID: "A", Level: "L0", Polygon: polygon(0, 0, 1, 1)}, `geofence: zone "A": id: is a room or zone of the floorplan`},
		{"unknown level", Zone{ID: "Z", Level: "L9", Polygon: polygon(0, 0, 1, 1)}, `geofence: zone "Z": level_id: unknown level "L9"`},
		{"two points", Zone{ID: "Z", Level: "L0", Polygon: orb.Polygon{{{0, 0}, {1, 1}, {0, 0}}}}, `geofence: zone "Z": polygon: ring has fewer than 3 distinct vertices`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := e.setZone(tc.z)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if tc.name == "room id" && !errors.Is(err, ErrPlanZone) {
				t.Fatalf("%v is not ErrPlanZone", err)
			}
		})
	}
}

func TestDeleteRule(t *testing.T) {
	// Deleting a rule closes only that rule's state (EXIT rule_removed for
	// the tags an ENTER or EXIT rule watched inside); the default room
	// events go on: the walk out of A after the deletion gets its default
	// EXIT and ENTER, and the remaining rules' events.
	rules := []Rule{
		{ID: "in-a", Type: RuleEnter, ZoneID: "A", Enabled: true},
		{ID: "out-a", Type: RuleExit, ZoneID: "A", TagClass: "staff", Enabled: true},
		{ID: "dwell", Type: RuleDwell, ZoneID: "A", Duration: time.Hour, Enabled: true},
		{ID: "par", Type: RulePar, ZoneID: "ST", MinCount: 1, Enabled: true},
	}
	walkOut := []string{"EXIT A@21 S1", "ENTER COR@21 S1", "EXIT A@21 P1", "ENTER COR@21 P1"}
	withOutA := []string{"EXIT A@21 S1", "EXIT A@21 S1 [out-a]", "ENTER COR@21 S1", "EXIT A@21 P1", "ENTER COR@21 P1"}
	tests := []struct {
		id    string
		want  []string
		after []string
	}{
		{"in-a", []string{"EXIT A@20 P1 [in-a] (rule_removed)", "EXIT A@20 S1 [in-a] (rule_removed)"}, withOutA},
		{"out-a", []string{"EXIT A@20 S1 [out-a] (rule_removed)"}, walkOut},
		{"dwell", nil, withOutA},
		{"par", []string{"PAR_RESTORED ST@20 [par] n=0 (rule_removed)"}, withOutA},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			e := newTestEngine(t, Config{}, rules...)
			got := run(e, interleave(walk("S1", "A", 0, 10), walk("P1", "A", 0, 10), ticks(0, 15)))
			wantEvents(t, brief(got), "BELOW_PAR ST@0 [par] n=0", "ENTER A@0 S1", "ENTER A@0 S1 [in-a]", "ENTER A@0 P1", "ENTER A@0 P1 [in-a]")
			got, err := e.DeleteRule(tc.id, sec(20))
			if err != nil {
				t.Fatal(err)
			}
			wantEvents(t, briefTrig(got), tc.want...)
			got = run(e, interleave(walk("S1", "COR", 21, 30), walk("P1", "COR", 21, 30), ticks(21, 30)))
			wantEvents(t, brief(got), tc.after...)
		})
	}
	e := newTestEngine(t, Config{})
	if _, err := e.DeleteRule("nope", 0); !errors.Is(err, ErrUnknownRule) {
		t.Fatalf("got %v, want ErrUnknownRule", err)
	}
}

func TestPutRule(t *testing.T) {
	enterA := Rule{ID: "r", Type: RuleEnter, ZoneID: "A", Enabled: true}
	tests := []struct {
		name string
		put  Rule
		want []string
	}{
		{"same rule renamed", Rule{ID: "r", Name: "new name", Type: RuleEnter, ZoneID: "A", Enabled: true}, nil},
		{"narrowed to staff", Rule{ID: "r", Type: RuleEnter, ZoneID: "A", TagClass: "staff", Enabled: true},
			[]string{"EXIT A@20 P1 [r] (rule_removed)"}},
		{"disabled", Rule{ID: "r", Type: RuleEnter, ZoneID: "A"},
			[]string{"EXIT A@20 P1 [r] (rule_removed)", "EXIT A@20 S1 [r] (rule_removed)"}},
		{"moved", Rule{ID: "r", Type: RuleEnter, ZoneID: "B", Enabled: true},
			[]string{"EXIT A@20 P1 [r] (rule_removed)", "EXIT A@20 S1 [r] (rule_removed)"}},
		{"new PAR below at once", Rule{ID: "par", Type: RulePar, ZoneID: "ST", MinCount: 1, Enabled: true},
			[]string{"BELOW_PAR ST@20 [par] n=0 (count)"}},
		{"new PAR at par", Rule{ID: "par", Type: RulePar, ZoneID: "A", MinCount: 2, Enabled: true}, nil},
		{"new DWELL already past", Rule{ID: "d", Type: RuleDwell, ZoneID: "A", TagClass: "patient", Duration: 5 * time.Second, Enabled: true},
			[]string{"DWELL A@20 P1 [d] (rule_added)"}},
		{"new DWELL not yet past", Rule{ID: "d", Type: RuleDwell, ZoneID: "A", Duration: time.Minute, Enabled: true}, nil},
		{"new ABSENCE already past", Rule{ID: "gone", Type: RuleAbsence, Duration: 5 * time.Second, TagClass: "patient", Enabled: true},
			[]string{"ABSENCE A@20 P1 [gone] (rule_added)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEngine(t, Config{}, enterA)
			run(e, interleave(walk("S1", "A", 0, 20), walk("P1", "A", 0, 10), ticks(0, 20)))
			got, err := e.setRule(tc.put, sec(20))
			if err != nil {
				t.Fatal(err)
			}
			wantEvents(t, briefTrig(got), tc.want...)
			r, ok := e.Rule(tc.put.ID)
			if !ok || r.Name != tc.put.Name || r.Enabled != tc.put.Enabled {
				t.Fatalf("stored rule %+v", r)
			}
		})
	}
}

func TestPutRuleErrors(t *testing.T) {
	e := newTestEngine(t, Config{})
	tests := []struct {
		rule Rule
		want string
		is   error
	}{
		{Rule{ID: "r", Type: RuleEnter, ZoneID: "nope"}, `geofence: rule "r": zone_id: unknown zone "nope"`, ErrUnknownZone},
		{Rule{ID: "r", Type: RulePar, Group: &Group{ZoneIDs: []string{"A", "x"}}, MinCount: 1},
			`geofence: rule "r": group.zone_ids[1]: unknown zone "x"`, ErrUnknownZone},
		{Rule{ID: "r", Type: RuleDwell, ZoneID: "A"}, `geofence: rule "r": duration: must be > 0 for DWELL`, ErrInvalidRule},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			_, err := e.setRule(tc.rule, 0)
			if err == nil || err.Error() != tc.want || !errors.Is(err, tc.is) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	if len(e.Rules()) != 0 {
		t.Fatal("a rejected rule was stored")
	}
}

func TestRegistryChangeRecountsPar(t *testing.T) {
	par := Rule{ID: "par", Type: RulePar, ZoneID: "ST", TagClass: "asset", MinCount: 1, Enabled: true}
	e := newTestEngine(t, Config{}, par)
	got := run(e, interleave(walk("X9", "ST", 0, 10), ticks(0, 10)))
	wantEvents(t, brief(got), "BELOW_PAR ST@0 [par] n=0", "ENTER ST@0 X9")
	if _, _, err := e.PutTag(Tag{ID: "X9", Class: "ASSET", Type: "bed"}, 0); err != nil {
		t.Fatal(err)
	}
	got = e.Tick(sec(11))
	wantEvents(t, brief(got), "PAR_RESTORED ST@11 [par] n=1")
	if err := e.DeleteTag("X9"); err != nil {
		t.Fatal(err)
	}
	got = e.Tick(sec(12))
	wantEvents(t, brief(got), "BELOW_PAR ST@12 [par] n=0")
	if err := e.DeleteTag("X9"); !errors.Is(err, ErrUnknownTag) {
		t.Fatalf("got %v, want ErrUnknownTag", err)
	}
	if _, _, err := e.PutTag(Tag{ID: "X9", Class: "robot"}, 0); !errors.Is(err, ErrInvalidTag) {
		t.Fatalf("got %v, want ErrInvalidTag", err)
	}
}

func TestReplayIsIdempotent(t *testing.T) {
	steps := interleave(walk("S1", "A", 0, 10), walk("S1", "COR", 10, 20), ticks(0, 25))
	e := newTestEngine(t, Config{})
	first := run(e, steps)
	if len(first) != 3 {
		t.Fatalf("first run: %q", brief(first))
	}
	if again := run(e, steps); again != nil {
		t.Fatalf("replay emitted %q", brief(again))
	}
	if s := e.Stats(); s.Late != 20 {
		t.Fatalf("late = %d, want 20", s.Late)
	}
}

func TestQueries(t *testing.T) {
	e := newTestEngine(t, Config{Zones: []Zone{bed}})
	run(e, interleave(inBED("S1", 0, 5), walk("P1", "A", 0, 5), walk("PUMP1", "ST", 0, 5), ticks(0, 5)))
	if got := strings.Join(e.Members("A"), ","); got != "P1,S1" {
		t.Errorf("Members(A) = %s", got)
	}
	if got := strings.Join(e.TagZones("S1"), ","); got != "A,BED" {
		t.Errorf("TagZones(S1) = %s", got)
	}
	var ids []string
	for _, z := range e.Zones("L0") {
		ids = append(ids, z.ID)
	}
	if got := strings.Join(ids, ","); got != "A,B,BED,COR,PZ,ST" {
		t.Errorf("Zones = %s", got)
	}
	if z, ok := e.Zone("BED"); !ok || z.FromPlan || len(z.Polygon[0]) != 5 {
		t.Errorf("Zone(BED) = %+v", z)
	}
	if s := e.Stats(); s.Tags != 3 || s.Zones != 6 {
		t.Errorf("Stats = %+v", s)
	}
}

func TestNewDebounceViewKeepsState(t *testing.T) {
	// A rule with its own debounce on a zone with tags inside starts from
	// the default view's state: no spurious entries, exits follow.
	e := newTestEngine(t, Config{NoDefaultEvents: true})
	run(e, interleave(walk("P1", "B", 0, 10), ticks(0, 10)))
	fast := Rule{ID: "fast-exit", Type: RuleExit, ZoneID: "B", Debounce: time.Second, Enabled: true}
	if got, err := e.setRule(fast, sec(10)); err != nil || got != nil {
		t.Fatalf("PutRule: %q, %v", brief(got), err)
	}
	got := run(e, interleave(walk("P1", "COR", 10, 20), ticks(10, 20)))
	wantEvents(t, briefTrig(got), "EXIT B@10 P1 [fast-exit] (position)")
}

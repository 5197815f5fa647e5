package geofence

import (
	"slices"
	"testing"
)

func TestWalkThroughCorridor(t *testing.T) {
	// S1 walks A -> COR -> B, one position per second:
	//
	//	t:  0 ......... 9 | 10 ... 14 | 15 ........ 29
	//	    A               COR         B
	want := []string{"ENTER A@0 S1", "EXIT A@10 S1", "ENTER COR@10 S1", "EXIT COR@15 S1", "ENTER B@15 S1"}
	path := func() []step {
		return interleave(walk("S1", "A", 0, 10), walk("S1", "COR", 10, 15), walk("S1", "B", 15, 30))
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"positions only", path()},
		{"positions and ticks", interleave(path(), ticks(0, 40))},
		{"ticks every 7 s", interleave(path(), []step{tick(7), tick(14), tick(21), tick(28), tick(35)})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEngine(t, Config{})
			wantEvents(t, brief(run(e, tc.steps)), want...)
		})
	}
}

func TestTriggers(t *testing.T) {
	e := newTestEngine(t, Config{})
	got := run(e, interleave(walk("S1", "A", 0, 3), []step{tick(3), tick(4)}))
	wantEvents(t, briefTrig(got), "ENTER A@0 S1 (debounce)")
	got = run(e, []step{obs("S1", "COR", 5), obs("S1", "COR", 8)})
	wantEvents(t, briefTrig(got), "EXIT A@5 S1 (position)", "ENTER COR@5 S1 (position)")
}

func TestShortVisitSkipped(t *testing.T) {
	// Two seconds in the corridor, shorter than the 3 s debounce: the
	// corridor is skipped, A's exit and B's entry keep their own times.
	steps := interleave(walk("S1", "A", 0, 10), walk("S1", "COR", 10, 12), walk("S1", "B", 12, 20), ticks(0, 25))
	e := newTestEngine(t, Config{})
	wantEvents(t, brief(run(e, steps)), "ENTER A@0 S1", "EXIT A@10 S1", "ENTER B@12 S1")
}

func TestBoundaryJitter(t *testing.T) {
	// The tag stands on the A | COR boundary; the room decision flips
	// with runs shorter than the debounce.
	tests := []struct {
		name string
		runs []float64 // seconds per run, alternating COR, A, COR ...; then 3 s in A
		want []string
	}{
		{"1 s flips", []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, []string{"ENTER A@0 S1"}},
		{"2.5 s flips", []float64{2.5, 2.5, 2.5, 2.5, 2.5, 2.5}, []string{"ENTER A@0 S1"}},
		{"irregular", []float64{1, 2, 0.5, 2.5, 1, 1, 2}, []string{"ENTER A@0 S1"}},
		{"then stays", []float64{1, 1, 1, 1, 10}, []string{"ENTER A@0 S1", "EXIT A@14 S1", "ENTER COR@14 S1",
			"EXIT COR@24 S1", "ENTER A@24 S1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			steps := walk("S1", "A", 0, 10)
			s := 10.0
			for i, d := range tc.runs {
				room := "COR"
				if i%2 == 1 {
					room = "A"
				}
				for end := s + d; s < end; s += 0.5 {
					steps = append(steps, obs("S1", room, s))
				}
			}
			for end := s + 3; s < end; s += 0.5 { // back in A at the end
				steps = append(steps, obs("S1", "A", s))
			}
			e := newTestEngine(t, Config{})
			wantEvents(t, brief(run(e, interleave(steps, ticks(0, 60)))), tc.want...)
		})
	}
}

func TestNoDebounce(t *testing.T) {
	e := newTestEngine(t, Config{Debounce: -1})
	got := run(e, []step{obs("S1", "A", 0), obs("S1", "COR", 1), obs("S1", "A", 2)})
	wantEvents(t, brief(got), "ENTER A@0 S1", "EXIT A@1 S1", "ENTER COR@1 S1", "EXIT COR@2 S1", "ENTER A@2 S1")
}

func TestDefaultEventsWhateverTheRules(t *testing.T) {
	// Rules add their own events; they never switch the default room events
	// off. Only Config.NoDefaultEvents does.
	steps := func() []step { return interleave(walk("S1", "A", 0, 5), walk("S1", "COR", 5, 10), ticks(0, 15)) }
	def := []string{"ENTER A@0 S1", "EXIT A@5 S1", "ENTER COR@5 S1"}
	tests := []struct {
		name  string
		cfg   Config
		rules []Rule
		want  []string
	}{
		{"no rules", Config{}, nil, def},
		{"a dwell rule", Config{}, []Rule{{ID: "d", Type: RuleDwell, ZoneID: "B", Duration: minutes(1), Enabled: true}}, def},
		{"an enter rule adds its event", Config{}, []Rule{{ID: "in-cor", Type: RuleEnter, ZoneID: "COR", Enabled: true}},
			append(slices.Clone(def), "ENTER COR@5 S1 [in-cor]")},
		{"a disabled exit rule", Config{}, []Rule{{ID: "x", Type: RuleExit, ZoneID: "A"}}, def},
		{"an exit rule for another class", Config{}, []Rule{{ID: "x", Type: RuleExit, ZoneID: "A", TagClass: "patient", Enabled: true}}, def},
		{"an exit rule for a group adds its event", Config{}, []Rule{{ID: "x", Type: RuleExit, Group: &Group{ZoneIDs: []string{"A", "B"}}, Enabled: true}},
			[]string{"ENTER A@0 S1", "EXIT A@5 S1", "EXIT A@5 S1 [x]", "ENTER COR@5 S1"}},
		{"default events off", Config{NoDefaultEvents: true}, nil, nil},
		{"default events off, an exit rule", Config{NoDefaultEvents: true},
			[]Rule{{ID: "x", Type: RuleExit, ZoneID: "A", Enabled: true}}, []string{"EXIT A@5 S1 [x]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEngine(t, tc.cfg, tc.rules...)
			wantEvents(t, brief(run(e, steps())), tc.want...)
			wantVisits(t, e.TakeVisits(), "A[0,0)", "A[0,5)", "COR[5,0)")
		})
	}
}

func TestPlanAndAPIZones(t *testing.T) {
	// PZ (plan) covers x 0..2 of A; API zone BED covers x 2.5..3.5, y 3..5.
	e := newTestEngine(t, Config{NoDefaultEvents: true, Zones: []Zone{{ID: "BED", Level: "L0", Category: "bed",
		Polygon: polygon(2.5, 3, 3.5, 5)}}},
		Rule{ID: "pz", Type: RuleEnter, ZoneID: "PZ", Enabled: true},
		Rule{ID: "bed", Type: RuleEnter, Group: &Group{Category: "bed"}, Enabled: true},
		Rule{ID: "bed-out", Type: RuleExit, ZoneID: "BED", Enabled: true})
	p := at("S1", "A", 0)
	p.X = 1 // in PZ
	var got []Event
	for s := 0.0; s < 5; s++ {
		p.TS = sec(s)
		got = append(got, e.Observe(p)...)
	}
	p.X = 3 // in BED
	for s := 5.0; s < 10; s++ {
		p.TS = sec(s)
		got = append(got, e.Observe(p)...)
	}
	got = append(got, run(e, walk("S1", "COR", 10, 15))...)
	wantEvents(t, brief(got), "ENTER PZ@0 S1 [pz]", "ENTER BED@5 S1 [bed]", "EXIT BED@10 S1 [bed-out]")
}

package geofence

import (
	"testing"
	"time"
)

func TestDwell(t *testing.T) {
	iso := Rule{ID: "iso", Type: RuleDwell, ZoneID: "A", TagClass: "staff", Duration: 30 * time.Second, Enabled: true}
	tests := []struct {
		name  string
		steps []step
		want  []string
	}{
		{"fires once after T", interleave(walk("S1", "A", 0, 100), ticks(0, 110)),
			[]string{"DWELL A@30 S1 [iso]"}},
		{"fires from ticks while silent", interleave(walk("S1", "A", 0, 5), ticks(0, 100)),
			[]string{"DWELL A@30 S1 [iso]"}},
		{"fires from a late position without ticks", []step{obs("S1", "A", 0), obs("S1", "A", 100)},
			[]string{"DWELL A@30 S1 [iso]"}},
		{"short stay", interleave(walk("S1", "A", 0, 25), walk("S1", "COR", 25, 60), ticks(0, 70)), nil},
		{"stay ends at the first position outside", interleave(walk("S1", "A", 0, 29), walk("S1", "COR", 29, 60), ticks(0, 70)), nil},
		{"jitter out does not end the stay", interleave(walk("S1", "A", 0, 28), walk("S1", "COR", 28, 30), walk("S1", "A", 30, 60), ticks(0, 70)),
			[]string{"DWELL A@30 S1 [iso]"}},
		{"each stay", interleave(walk("S1", "A", 0, 40), walk("S1", "COR", 40, 50), walk("S1", "A", 50, 90), ticks(0, 95)),
			[]string{"DWELL A@30 S1 [iso]", "DWELL A@80 S1 [iso]"}},
		{"other class", interleave(walk("P1", "A", 0, 100), ticks(0, 110)), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEngine(t, Config{NoDefaultEvents: true}, iso)
			wantEvents(t, brief(run(e, tc.steps)), tc.want...)
		})
	}
}

func TestAbsence(t *testing.T) {
	missing := Rule{ID: "missing", Type: RuleAbsence, TagClass: "asset", Duration: time.Minute, Enabled: true}
	fromST := Rule{ID: "gone", Type: RuleAbsence, ZoneID: "ST", Duration: 2 * time.Minute, Enabled: true}
	tests := []struct {
		name  string
		steps []step
		want  []string
	}{
		{"fires once for a silent tag", interleave(walk("PUMP1", "A", 0, 10), ticks(0, 300)),
			[]string{"ABSENCE A@69 PUMP1 [missing]"}},
		{"re-arms when seen again", interleave(walk("PUMP1", "A", 0, 10), walk("PUMP1", "COR", 200, 201), ticks(0, 400)),
			[]string{"ABSENCE A@69 PUMP1 [missing]", "ABSENCE COR@260 PUMP1 [missing]"}},
		{"in no room", interleave(walk("PUMP1", "", 0, 10), ticks(0, 100)),
			[]string{"ABSENCE @69 PUMP1 [missing]"}},
		{"zone target: last seen in ST", interleave(walk("PUMP1", "ST", 0, 10), ticks(0, 300)),
			[]string{"ABSENCE ST@69 PUMP1 [missing]", "ABSENCE ST@129 PUMP1 [gone]"}},
		{"zone target: staff too", interleave(walk("S1", "ST", 0, 10), ticks(0, 300)),
			[]string{"ABSENCE ST@129 S1 [gone]"}},
		{"seen often enough", interleave(walk("PUMP1", "A", 0, 300), ticks(0, 300)), nil},
		{"from a late position without ticks", []step{obs("PUMP1", "A", 0), obs("PUMP1", "A", 100)},
			[]string{"ABSENCE A@60 PUMP1 [missing]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEngine(t, Config{NoDefaultEvents: true}, missing, fromST)
			wantEvents(t, brief(run(e, tc.steps)), tc.want...)
		})
	}
}

func TestRestricted(t *testing.T) {
	// The tag walks from the corridor into exit room B for ten seconds and
	// back.
	exits := Rule{ID: "no-exit", Type: RuleRestricted, Group: &Group{Category: "exit"}, TagClass: "patient", Enabled: true}
	tests := []struct {
		name string
		tag  string
		want []string
	}{
		{"patient at the exit", "P1", []string{"RESTRICTED B@10 P1 [no-exit]"}},
		{"staff at the exit", "S1", nil},
		{"unregistered tag", "X9", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEngine(t, Config{NoDefaultEvents: true}, exits)
			steps := interleave(walk(tc.tag, "COR", 0, 10), walk(tc.tag, "B", 10, 20), walk(tc.tag, "COR", 20, 40), ticks(0, 50))
			wantEvents(t, brief(run(e, steps)), tc.want...)
		})
	}
}

func TestRestrictedDebounceOverride(t *testing.T) {
	// Two seconds at the exit: too short for the 3 s default, long enough
	// for a rule with a 1 s debounce. The default room events see nothing.
	slow := Rule{ID: "slow", Type: RuleRestricted, ZoneID: "B", TagClass: "patient", Enabled: true}
	fast := Rule{ID: "fast", Type: RuleRestricted, ZoneID: "B", TagClass: "patient", Debounce: time.Second, Enabled: true}
	e := newTestEngine(t, Config{}, slow, fast)
	steps := interleave(walk("P1", "COR", 0, 10), walk("P1", "B", 10, 12), walk("P1", "COR", 12, 30), ticks(0, 40))
	wantEvents(t, brief(run(e, steps)), "ENTER COR@0 P1", "RESTRICTED B@10 P1 [fast]")
}

func TestPar(t *testing.T) {
	// Storage ST should hold two infusion pumps.
	par := Rule{ID: "pumps", Type: RulePar, ZoneID: "ST", TagClass: "asset", AssetType: "infusion_pump", MinCount: 2, Enabled: true}
	start := interleave(walk("PUMP1", "ST", 0, 5), walk("PUMP2", "ST", 0, 5), walk("PUMP3", "ST", 0, 5), walk("WC1", "ST", 0, 5))
	tests := []struct {
		name  string
		steps []step
		want  []string
	}{
		{"one leaves: still at par", interleave(start, walk("PUMP1", "COR", 10, 20), ticks(0, 30)), nil},
		{"crossing fires once each way", interleave(start,
			walk("PUMP1", "COR", 10, 20), walk("PUMP2", "COR", 20, 30), walk("PUMP2", "ST", 40, 50),
			walk("PUMP1", "A", 50, 60), ticks(0, 70)),
			[]string{"BELOW_PAR ST@20 [pumps] n=1", "PAR_RESTORED ST@40 [pumps] n=2"}},
		{"a wheelchair does not count", interleave(start,
			walk("PUMP1", "COR", 10, 20), walk("PUMP2", "COR", 10, 20), ticks(0, 30)),
			[]string{"BELOW_PAR ST@10 [pumps] n=1"}},
		{"jitter at the door", interleave(start,
			walk("PUMP1", "COR", 10, 20), walk("PUMP2", "COR", 20, 21), walk("PUMP2", "ST", 21, 22),
			walk("PUMP2", "COR", 22, 23), walk("PUMP2", "ST", 23, 40), ticks(0, 50)), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEngine(t, Config{Warmup: 5 * time.Second, NoDefaultEvents: true}, par)
			wantEvents(t, brief(run(e, tc.steps)), tc.want...)
		})
	}
}

func TestParWarmup(t *testing.T) {
	// A fresh engine waits for the warm-up before judging par: pumps that
	// beacon every 5 s are counted first.
	par := Rule{ID: "pumps", Type: RulePar, ZoneID: "ST", TagClass: "asset", MinCount: 2, Enabled: true}
	steps := interleave(ticks(0, 20), []step{obs("PUMP1", "ST", 0), obs("PUMP2", "ST", 4), obs("PUMP1", "ST", 5), obs("PUMP2", "ST", 9)})
	e, err := New(testPlan(t), Config{Warmup: 10 * time.Second}, []Rule{par}, testRegistry(t))
	if err != nil {
		t.Fatal(err)
	}
	wantEvents(t, brief(run(e, steps)), "ENTER ST@0 PUMP1", "ENTER ST@4 PUMP2")

	e, err = New(testPlan(t), Config{Warmup: 5 * time.Second}, []Rule{par}, testRegistry(t))
	if err != nil {
		t.Fatal(err)
	}
	wantEvents(t, brief(run(e, steps)), "ENTER ST@0 PUMP1", "BELOW_PAR ST@5 [pumps] n=1", "ENTER ST@4 PUMP2", "PAR_RESTORED ST@5 [pumps] n=2")
}

func TestParGraceStartsAtFirstPosition(t *testing.T) {
	// A fresh site ticks for 30 s before the first position (readers
	// connecting, the location engine waiting out its lateness): the PAR
	// grace (warm-up 10 s) counts from the first position at 30 s, not from
	// the first tick, so the empty storage room is not reported below par
	// before the pumps that are in it could be placed.
	par := Rule{ID: "pumps", Type: RulePar, ZoneID: "ST", TagClass: "asset", MinCount: 2, Enabled: true}
	steps := interleave(ticks(0, 50), []step{obs("PUMP1", "ST", 30), obs("PUMP2", "ST", 36), obs("PUMP1", "ST", 41)})
	e, err := New(testPlan(t), Config{Warmup: 10 * time.Second}, []Rule{par}, testRegistry(t))
	if err != nil {
		t.Fatal(err)
	}
	wantEvents(t, brief(run(e, steps)), "ENTER ST@30 PUMP1", "ENTER ST@36 PUMP2")
}

func TestParGraceWithoutAnyPosition(t *testing.T) {
	// A site where no tag is ever placed still reports below par, once
	// silentWarmups warm-ups have passed since the first tick.
	par := Rule{ID: "pumps", Type: RulePar, ZoneID: "ST", TagClass: "asset", MinCount: 2, Enabled: true}
	e, err := New(testPlan(t), Config{Warmup: 10 * time.Second}, []Rule{par}, testRegistry(t))
	if err != nil {
		t.Fatal(err)
	}
	wantEvents(t, brief(run(e, ticks(100, 170))), "BELOW_PAR ST@160 [pumps] n=0")
}

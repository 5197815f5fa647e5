package geofence

import (
	"maps"
	"slices"
	"testing"
	"time"
)

func TestExpireClosesStays(t *testing.T) {
	// PUMP1 and PUMP2 in A (PAR 2 of pumps), S1 in B with ENTER and EXIT
	// rules; S1 goes silent at 9 s, the pumps walk on. Expiring at 100 s
	// what is older than 50 s closes S1's stays (trigger expired), closes
	// its visit at its last position, and forgets its state; the pumps
	// stay. Expiring PUMP2 then makes the pumps short of par.
	par := Rule{ID: "par", Type: RulePar, ZoneID: "A", TagClass: ClassAsset, MinCount: 2, Enabled: true}
	in := Rule{ID: "in", Type: RuleEnter, ZoneID: "B", Enabled: true}
	out := Rule{ID: "out", Type: RuleExit, ZoneID: "B", Enabled: true}
	e := newTestEngine(t, Config{}, par, in, out)
	run(e, interleave(walk("PUMP1", "A", 0, 100), walk("PUMP2", "A", 0, 60), walk("S1", "B", 0, 10), ticks(0, 101)))
	e.TakeVisits()
	e.TakeDirty()

	got := e.Expire(sec(50), sec(100))
	wantEvents(t, briefTrig(got),
		"EXIT B@100 S1 (expired)", "EXIT B@100 S1 [in] (expired)", "EXIT B@100 S1 [out] (expired)")
	wantVisits(t, e.TakeVisits(), "B[0,9)")
	parts := e.TakeDirty()
	if v, ok := parts["S1"]; !ok || v != nil {
		t.Errorf("TakeDirty after expiry: S1 part %v (present %v), want nil", v, ok)
	}
	if m := e.Members("B"); len(m) != 0 {
		t.Errorf("members of B after expiry: %q", m)
	}

	got = e.Expire(sec(61), sec(120))
	wantEvents(t, briefTrig(got), "EXIT A@120 PUMP2 (expired)", "BELOW_PAR A@120 [par] n=1 (expired)")
	if m := e.Members("A"); !slices.Equal(m, []string{"PUMP1"}) {
		t.Errorf("members of A after PUMP2 expired: %q, want [PUMP1]", m)
	}
	wantVisits(t, e.TakeVisits(), "A[0,59)")
	if again := e.Expire(sec(61), sec(121)); again != nil {
		t.Errorf("second expiry: %q", brief(again))
	}

	// Seen again, S1 is a new tag: a new ENTER and visit.
	got = run(e, interleave(walk("S1", "B", 130, 135), ticks(130, 136)))
	wantEvents(t, briefTrig(got), "ENTER B@130 S1 (position)", "ENTER B@130 S1 [in] (position)")
	wantVisits(t, e.TakeVisits(), "B[130,0)")
}

func TestExpireRestoresWithoutTheTag(t *testing.T) {
	// The parts merged as a store merges them (nil deletes) restore an
	// engine without the expired tag, equal to the expiring engine.
	e := newTestEngine(t, Config{})
	merged := map[string][]byte{}
	merge := func() {
		for k, v := range e.TakeDirty() {
			if v == nil {
				delete(merged, k)
			} else {
				merged[k] = v
			}
		}
	}
	run(e, interleave(walk("S1", "A", 0, 10), walk("S2", "B", 0, 40), ticks(0, 41)))
	merge()
	e.Expire(sec(20), sec(41))
	merge()
	if _, ok := merged["S1"]; ok {
		t.Fatal("the expired tag's part is still in the merged state")
	}
	r := newTestEngine(t, Config{})
	if err := r.RestoreParts(maps.Clone(merged)); err != nil {
		t.Fatal(err)
	}
	want, err := e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := r.Snapshot(); err != nil || string(got) != string(want) {
		t.Fatalf("restored snapshot:\n got %s (%v)\nwant %s", got, err, want)
	}
}

func TestExpireAfterMissing(t *testing.T) {
	// MISSING (absence 2 min) is inferred before the asset is forgotten,
	// whatever the retention: with a retention of 30 s, PUMP1 (last seen
	// at 9 s in the corridor) is kept while its silence is watched, goes
	// MISSING at 129 s and is forgotten at the next expiry. With an
	// ABSENCE rule of 5 min, it is kept until that fires too.
	for _, tc := range []struct {
		name    string
		rules   []Rule
		forgets float64 // the first expiry time (s) that forgets it
		events  []string
	}{
		{"status only", nil, 130, []string{"STATUS_CHANGED COR@129 PUMP1", "EXIT COR@130 PUMP1"}},
		{"absence rule", []Rule{{ID: "gone", Type: RuleAbsence, TagClass: ClassAsset, Duration: 5 * time.Minute, Enabled: true}},
			310, []string{"STATUS_CHANGED COR@129 PUMP1", "ABSENCE COR@309 PUMP1 [gone]", "EXIT COR@310 PUMP1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rules := statusRulesForTests
			e := newTestEngine(t, Config{Status: &rules}, tc.rules...)
			if _, _, err := e.PutTag(Tag{ID: "PUMP1", Class: ClassAsset, Type: "infusion_pump", Status: StatusAvailable}, 0); err != nil {
				t.Fatal(err)
			}
			run(e, interleave(walk("PUMP1", "COR", 0, 10), ticks(0, 11)))
			var got []Event
			for s := 20.0; s <= 400; s += 10 {
				got = append(got, e.Tick(sec(s))...)
				evs := e.Expire(sec(s-30), sec(s))
				got = append(got, evs...)
				if len(evs) > 0 && s != tc.forgets {
					t.Fatalf("forgotten at %g s, want %g s", s, tc.forgets)
				}
			}
			wantEvents(t, brief(got), tc.events...)
			if got[0].Status != StatusMissing {
				t.Errorf("status event %+v, want MISSING", got[0])
			}
			if ev := got[len(got)-1]; ev.Trigger != TriggerExpired {
				t.Errorf("last event %+v, want trigger expired", ev)
			}
			// Seen again, the forgotten asset is found.
			back := statusEvents(run(e, []step{obs("PUMP1", "COR", 500)}))
			wantEvents(t, back, "COR@500 PUMP1 MISSING>AVAILABLE (found)")
		})
	}
}

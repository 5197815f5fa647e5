package geofence

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// briefVisits renders visits as "room[enter s,exit s)", exit 0 when open.
func briefVisits(vs []Visit) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = fmt.Sprintf("%s[%d,%d)", v.Room, v.Enter/1000, v.Exit/1000)
	}
	return out
}

// wantVisits fails the test unless the visits are want, in order.
func wantVisits(t *testing.T, got []Visit, want ...string) {
	t.Helper()
	if b := briefVisits(got); !slices.Equal(b, want) {
		t.Fatalf("visits:\n  got  %q\n  want %q", b, want)
	}
}

func TestVisitsDebouncedRoomsOnly(t *testing.T) {
	// S1: A for 10 s, 2 s in COR (shorter than the debounce), B for 10 s,
	// then COR. Plan zone PZ (in A) and an API zone make no visits.
	e := newTestEngine(t, Config{Zones: []Zone{{ID: "BED", Level: "L0", Polygon: polygon(0, 0, 40, 40)}}})
	steps := interleave(walk("S1", "A", 0, 10), walk("S1", "COR", 10, 12), walk("S1", "B", 12, 22),
		walk("S1", "COR", 22, 30), ticks(0, 35))
	run(e, steps)
	got := e.TakeVisits()
	for _, v := range got {
		if v.Tag != "S1" || v.Class != "staff" || v.Level != "L0" {
			t.Fatalf("visit %+v: want tag S1, class staff, level L0", v)
		}
	}
	wantVisits(t, got, "A[0,0)", "A[0,10)", "B[12,0)", "B[12,22)", "COR[22,0)")
	if again := e.TakeVisits(); again != nil {
		t.Fatalf("second TakeVisits: %q", briefVisits(again))
	}
}

func TestVisitsIgnoreRuleChanges(t *testing.T) {
	// Rooms visited while an EXIT rule on A exists, is replaced with a
	// slower one, and is deleted: the visits are those of a run without
	// rules, and no rule change makes one.
	path := func() []step {
		return interleave(walk("P1", "A", 0, 20), walk("P1", "COR", 20, 40), walk("P1", "A", 40, 60), ticks(0, 65))
	}
	plain := newTestEngine(t, Config{})
	run(plain, path())
	want := briefVisits(plain.TakeVisits())

	exit := Rule{ID: "x", Type: RuleExit, ZoneID: "A", Enabled: true}
	e := newTestEngine(t, Config{}, exit)
	var got []Visit
	for _, s := range path() {
		if s.pos.Tag != "" {
			e.Observe(s.pos)
			got = append(got, e.TakeVisits()...)
			continue
		}
		e.Tick(s.tick)
		got = append(got, e.TakeVisits()...)
		switch s.tick {
		case sec(10): // P1 in A
			slow := exit
			slow.Debounce = 10 * time.Second
			if _, err := e.UpdateRule(slow, s.tick); err != nil {
				t.Fatal(err)
			}
		case sec(50): // P1 back in A
			evs, err := e.DeleteRule("x", s.tick)
			if err != nil {
				t.Fatal(err)
			}
			wantEvents(t, briefTrig(evs), "EXIT A@50 P1 [x] (rule_removed)")
		default:
			continue
		}
		if vs := e.TakeVisits(); vs != nil {
			t.Fatalf("visits made by a rule change at %d ms: %q", s.tick, briefVisits(vs))
		}
	}
	if b := briefVisits(got); !slices.Equal(b, want) {
		t.Fatalf("visits with rule changes:\n  got  %q\n  want %q", b, want)
	}
}

// TestOpenVisitsAfterRestore: a tag in COR starts into A (pending, within
// the debounce) when the engine's state is saved; the restored engine
// reports COR as the open visit, and carries the walk on to the records
// of A opening and COR closing. Its members come back ordered by zone id,
// so A's opening is recorded before COR's closing: whoever follows the
// records (analytics.Aggregator) learns of COR only from OpenVisits.
func TestOpenVisitsAfterRestore(t *testing.T) {
	e := newTestEngine(t, Config{})
	run(e, interleave(walk("S1", "COR", 0, 10), walk("S1", "A", 10, 11), ticks(0, 11)))
	wantVisits(t, e.TakeVisits(), "COR[0,0)")
	wantVisits(t, e.OpenVisits(), "COR[0,0)")
	data, err := e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	e2 := newTestEngine(t, Config{})
	if err := e2.Restore(data); err != nil {
		t.Fatal(err)
	}
	wantVisits(t, e2.OpenVisits(), "COR[0,0)")
	run(e2, interleave(walk("S1", "A", 11, 20), ticks(11, 20)))
	wantVisits(t, e2.TakeVisits(), "A[10,0)", "COR[0,10)")
	wantVisits(t, e2.OpenVisits(), "A[10,0)")
}

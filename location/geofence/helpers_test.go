package geofence

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/location"
)

// The test plan, one level L0, rooms 4 m wide:
//
//	y
//	8 +-------+-------+-------+-------+
//	  |   A   |  COR  |   B   |  ST   |
//	  |patient|corri- | exit  |storage|
//	  | _room | dor   |       |       |
//	0 +-------+-------+-------+-------+
//	  0       4       8      12      16  x
//
// and the plan zone PZ covering the west half of A (x 0..2).
func testPlan(t testing.TB) *floorplans.Plan {
	t.Helper()
	box := func(x0, x1 float64) orb.Polygon {
		return orb.Polygon{{{x0, 0}, {x1, 0}, {x1, 8}, {x0, 8}, {x0, 0}}}
	}
	levels := []*floorplans.Level{{ID: "L0", Name: "Level 0", Outline: box(0, 16)}}
	rooms := []*floorplans.Room{
		{ID: "A", Name: "A", Level: "L0", Category: "patient_room", Polygon: box(0.1, 3.9)},
		{ID: "COR", Name: "Corridor", Level: "L0", Category: "corridor", Polygon: box(4.1, 7.9)},
		{ID: "B", Name: "B", Level: "L0", Category: "exit", Polygon: box(8.1, 11.9)},
		{ID: "ST", Name: "Storage", Level: "L0", Category: "storage", Polygon: box(12.1, 15.9)},
	}
	zones := []*floorplans.Zone{{ID: "PZ", Name: "west of A", Level: "L0", Polygon: box(0.1, 2)}}
	p, err := floorplans.New(levels, rooms, nil, nil, zones)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// centers maps the test rooms to a point inside them (outside PZ).
var centers = map[string]orb.Point{"A": {3, 4}, "COR": {6, 4}, "B": {10, 4}, "ST": {14, 4}, "": {4, 4}}

// sec converts seconds to epoch milliseconds of the tests.
func sec(s float64) int64 { return int64(s * 1000) }

// at returns a position of tag in room (or in no room for "") at second s.
func at(tag, room string, s float64) location.Position {
	c := centers[room]
	return location.Position{TS: sec(s), Tag: tag, Level: "L0", X: c[0], Y: c[1], Room: room}
}

// testRegistry registers staff S1, S2, patient P1, pumps PUMP1..3 and a
// wheelchair WC1.
func testRegistry(t testing.TB) *Registry {
	t.Helper()
	reg, err := NewRegistry([]Tag{
		{ID: "S1", Class: "staff", Type: "nurse"},
		{ID: "S2", Class: "staff", Type: "nurse"},
		{ID: "P1", Class: "patient"},
		{ID: "PUMP1", Class: "asset", Type: "infusion_pump"},
		{ID: "PUMP2", Class: "asset", Type: "infusion_pump"},
		{ID: "PUMP3", Class: "asset", Type: "infusion_pump"},
		{ID: "WC1", Class: "asset", Type: "wheelchair"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// newTestEngine returns an engine on the test plan with the test registry.
func newTestEngine(t testing.TB, cfg Config, rules ...Rule) *Engine {
	t.Helper()
	if cfg.Warmup == 0 {
		cfg.Warmup = -1
	}
	e, err := New(testPlan(t), cfg, rules, testRegistry(t))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// step is one input of a scripted run: a position, or a tick when Tag is "".
type step struct {
	pos  location.Position
	tick int64
}

// obs and tick build steps.
func obs(tag, room string, s float64) step { return step{pos: at(tag, room, s)} }
func tick(s float64) step                  { return step{tick: sec(s)} }

// walk returns one position per second for tag from second from to to
// (exclusive) in room.
func walk(tag, room string, from, to float64) []step {
	var out []step
	for s := from; s < to; s++ {
		out = append(out, obs(tag, room, s))
	}
	return out
}

// ticks returns one tick per second from second from to to (exclusive).
func ticks(from, to float64) []step {
	var out []step
	for s := from; s < to; s++ {
		out = append(out, tick(s))
	}
	return out
}

// interleave merges step lists by time, ticks after the positions of their
// time.
func interleave(lists ...[]step) []step {
	var all []step
	for _, l := range lists {
		all = append(all, l...)
	}
	key := func(s step) int64 {
		if s.pos.Tag != "" {
			return 2 * s.pos.TS
		}
		return 2*s.tick + 1
	}
	slices.SortStableFunc(all, func(a, b step) int { return cmp.Compare(key(a), key(b)) })
	return all
}

// run feeds steps to e and returns every event.
func run(e *Engine, steps []step) []Event {
	var out []Event
	for _, s := range steps {
		if s.pos.Tag != "" {
			out = append(out, e.Observe(s.pos)...)
		} else {
			out = append(out, e.Tick(s.tick)...)
		}
	}
	return out
}

// brief renders events compactly: "EXIT A@10 S1 [r1] (position)".
func brief(evs []Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		s := fmt.Sprintf("%s %s@%g", ev.Type, ev.Zone, float64(ev.TS)/1000)
		if ev.Tag != "" {
			s += " " + ev.Tag
		}
		if ev.Rule != "" {
			s += " [" + ev.Rule + "]"
		}
		if ev.Type == BelowPar || ev.Type == ParRestored {
			s += fmt.Sprintf(" n=%d", ev.Count)
		}
		out[i] = s
	}
	return out
}

// briefTrig is brief with the trigger.
func briefTrig(evs []Event) []string {
	out := brief(evs)
	for i := range out {
		out[i] += " (" + evs[i].Trigger + ")"
	}
	return out
}

// wantEvents fails unless got renders as want.
func wantEvents(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events:\n  got  %q\n  want %q", got, want)
	}
}

// clinicPlan loads the synthetic clinic, skipping when it is absent.
func clinicPlan(t testing.TB) *floorplans.Plan {
	t.Helper()
	const path = "/work/shared/datasets/synthetic-clinic/floorplan.geojson"
	if _, err := os.Stat(path); err != nil {
		t.Skip("synthetic clinic data set not present")
	}
	p, err := floorplans.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// minutes is a shorthand for durations in rules.
func minutes(n float64) time.Duration { return time.Duration(n * float64(time.Minute)) }

// polygon returns the rectangle x0..x1, y0..y1 as an open ring, as the API
// gives zones.
func polygon(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}}
}

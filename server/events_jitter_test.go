package server

import (
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/internal/sim"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// TestEventsJitter puts a tag at the door of S03 for jitterS seconds, its
// evidence alternating each second between the corridor side (c) and the
// room side (r), then walks it to S04:
//
//	----- COR -----      c: 20.5, 9.4
//	    c | r           door of S03 at y 8.0, x 18.65..19.85
//	----- S03 -----      r: 20.5, 7.0
//
// (just beside the door opening, so that the engine's walls separate c and
// r for the readers of S03 and the corridor).
//
// The location engine follows the jitter (room decision S03, COR, S03, ...
// each second); with a debounce of 2 s the geofence emits nothing during it,
// and the walk after it gives exactly its own events. Without debounce the
// same input gives transitions inside the jitter: the control that shows
// the jitter reached the geofence.
func TestEventsJitter(t *testing.T) {
	const jitterS = 12
	cases := []struct {
		name     string
		debounce time.Duration
		quiet    bool // no event inside the jitter
	}{
		{"debounce=2s", 2 * time.Second, true},
		{"debounce=none", -1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rs := redistest.StartServer(t)
			s, _ := startWith(t, eventsConfig(rs.URL(), tc.debounce))
			cc := dial(t, s)
			plan := loadClinic(t)
			const tag = "JITTER-1"
			sc := script{}
			sc.stay(t, plan, tag, "L0-S03", 8)
			jitterFrom := len(sc[tag])
			for i := range jitterS {
				pt := orb.Point{20.5, 9.4}
				if i%2 == 1 {
					pt = orb.Point{20.5, 7.0}
				}
				sc[tag] = append(sc[tag], sim.Step{Level: "L0", Point: pt, Room: plan.RoomAt("L0", pt).ID})
			}
			jitterTo := len(sc[tag])
			sc.stay(t, plan, tag, "L0-S03", 6)
			sc.walk(t, plan, tag, "L0-S03", "L0-S04")
			sc.stay(t, plan, tag, "L0-S04", 8)

			w := watchEvents(t, cc, "0", tagFilter(tag))
			f := newFeeder(t, s, plan)
			f.play(sc, 0, len(sc[tag]))
			got, err := w.until(t, is(rtlsv1.EventType_ENTER, "L0-S04"))
			if err != nil {
				t.Fatal(err)
			}
			checkOrdered(t, got)
			var inside []*rtlsv1.Event
			for _, e := range got {
				if ts := e.Time.AsTime().UnixMilli(); ts > f.epoch(jitterFrom-1) && ts <= f.epoch(jitterTo) {
					inside = append(inside, e)
				}
			}
			if !tc.quiet {
				if len(inside) == 0 {
					t.Fatalf("no transition inside the jitter without debounce (events: %s): the jitter does not reach the geofence", describe(got))
				}
				return
			}
			if len(inside) > 0 {
				t.Errorf("events inside the jitter: %s", describe(inside))
			}
			want := "ENTER L0-S03, EXIT L0-S03, ENTER L0-COR, EXIT L0-COR, ENTER L0-S04"
			if describe(got) != want {
				t.Fatalf("events:\n got %s\nwant %s", describe(got), want)
			}
		})
	}
}

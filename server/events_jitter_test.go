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
// The location engine's room filter (location/roomfilter.go) holds a
// one-second jitter at a door itself: with or without the geofence's
// debounce, nothing is emitted during it, and the walk after it gives
// exactly its own events. (The debounce itself is tested on positions, in
// location/geofence; before the room filter, the case without debounce
// showed transitions inside the jitter.)
func TestEventsJitter(t *testing.T) {
	t.Parallel()
	const jitterS = 12
	cases := []struct {
		name     string
		debounce time.Duration
	}{
		{"debounce=2s", 2 * time.Second},
		{"debounce=none", -1},
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

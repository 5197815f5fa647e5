package location_test

import (
	"bytes"
	"maps"
	"math"
	"reflect"
	"testing"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/location"
)

// live feeds ss to eng as the live server does: event time stands in for
// the wall clock (the newest sighting so far), and whenever it enters a
// new epoch the engine is flushed at it minus the lateness and, when
// ahead is set, begins to compute the next epoch ahead (Engine.Ahead), two
// tags per worker at a time, going on after every third sighting added
// meanwhile. Every 500th sighting the engine drains (a barrier in the
// middle of Ahead's list). With readEvery above 0 it reads the tag of
// every readEvery-th sighting (Engine.Current) before adding it.
func live(eng *location.Engine, ss []location.Sighting, ahead bool, readEvery int) []location.Position {
	const slice = 2
	cfg := eng.Config()
	var out []location.Position
	now, tick := int64(math.MinInt64), int64(math.MinInt64)
	more := false
	for i, s := range ss {
		now = max(now, s.TS)
		if e := now / cfg.EpochMS; e != tick {
			tick = e
			out = append(out, eng.Flush(now-cfg.LatenessMS)...)
			more = ahead && eng.Ahead(slice)
		} else if more && i%3 == 0 {
			more = eng.Ahead(slice)
		}
		if i%500 == 499 {
			out = append(out, eng.Drain()...)
		}
		if readEvery > 0 && i%readEvery == 0 {
			eng.Current(s.Tag)
		}
		eng.Add(s) // rejections are counted in Stats
	}
	return append(out, eng.Flush(math.MaxInt64)...)
}

// TestAheadSameWhateverWorkers: computing each epoch ahead of its barrier gives
// the output and the learned state of computing it at the barrier, byte
// for byte, whatever the number of workers, and with a tag read between
// barriers (Current); on a minute of the clinic, with the readers hearing each
// other, one sighting in 40 arriving 2.5 s late (a CoAP retransmission,
// which discards some of what was computed ahead) and one in 97 arriving
// 4.5 s late (beyond the lateness).
func TestAheadSameWhateverWorkers(t *testing.T) {
	for _, c := range replayCases(t, location.Defaults()) {
		if c.name == "danis-tetam" {
			// its file is in tag order, not arrival order: fed live,
			// most of it is late
			continue
		}
		c.in = delayed(delayed(withBeacons(c.plan, prefixUntil(c.in, 60_000)), 40, 2500), 97, 4500)
		t.Run(c.name, func(t *testing.T) {
			eng := c.eng()
			want := encode(live(eng, c.in, false, 0))
			wantCal, wantRadio := eng.Calibration(), eng.LearnedRadio()
			if len(want) == 0 {
				t.Fatal("no positions")
			}
			for _, run := range []struct {
				workers int
				read    bool
			}{{1, false}, {3, false}, {2, true}} { // Ahead runs on all workers but one
				cfg := location.Defaults()
				cfg.Workers = run.workers
				eng := newEngine(t, c.plan, cfg)
				reads := 0
				if run.read {
					reads = 7
				}
				got := encode(live(eng, c.in, true, reads))
				if !bytes.Equal(got, want) {
					i := 0
					for i < min(len(got), len(want)) && got[i] == want[i] {
						i++
					}
					t.Errorf("%d workers (reads %v): output differs from the one computed at the barriers from byte %d (of %d and %d)",
						run.workers, run.read, i, len(got), len(want))
				}
				if !maps.Equal(eng.Calibration(), wantCal) || !reflect.DeepEqual(eng.LearnedRadio(), wantRadio) {
					t.Errorf("%d workers (reads %v): learned state differs", run.workers, run.read)
				}
				st := eng.Stats()
				t.Logf("%d workers (reads %v): %d updates, %d computed ahead, %d of them discarded; %d sightings of readers", run.workers, run.read, st.Updates, st.Ahead, st.AheadDiscarded, st.ReaderSightings)
				if used := st.Ahead - st.AheadDiscarded; used < st.Updates/2 {
					t.Errorf("%d workers: %d of %d updates computed ahead and used, want most", run.workers, used, st.Updates)
				}
				if st.ReaderSightings == 0 {
					t.Error("no sightings of readers taken")
				}
				if st.AheadDiscarded == 0 {
					t.Error("no epoch computed ahead was discarded: the delayed sightings should discard some")
				}
			}
		})
	}
}

// delayed returns ss with every nth sighting moved back to arrive after
// the first sighting stamped by ms later than it.
func delayed(ss []location.Sighting, n int, by int64) []location.Sighting {
	var out, held []location.Sighting
	for i, s := range ss {
		for len(held) > 0 && s.TS >= held[0].TS+by {
			out, held = append(out, held[0]), held[1:]
		}
		if i%n == n-1 {
			held = append(held, s)
			continue
		}
		out = append(out, s)
	}
	return append(out, held...)
}

// withBeacons returns ss with the readers hearing each other: every 2 s
// each ranging reader is heard by up to four others (radio.hear), each
// merged in before the first sighting of ss stamped after it.
func withBeacons(plan *floorplans.Plan, ss []location.Sighting) []location.Sighting {
	r := newRadio(plan, 3)
	lo, hi := ss[0].TS, ss[0].TS
	for _, s := range ss {
		lo, hi = min(lo, s.TS), max(hi, s.TS)
	}
	var beacons []location.Sighting
	for ms := lo; ms < hi; ms += 2000 {
		for _, rd := range r.readers {
			for _, b := range r.hear(rd.ID, ms, rd.Level, rd.Point[0], rd.Point[1], 5) {
				if b.Reader != rd.ID {
					beacons = append(beacons, b)
				}
			}
		}
	}
	out := make([]location.Sighting, 0, len(ss)+len(beacons))
	for _, s := range ss {
		for len(beacons) > 0 && beacons[0].TS <= s.TS {
			out, beacons = append(out, beacons[0]), beacons[1:]
		}
		out = append(out, s)
	}
	return out
}

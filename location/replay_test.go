package location_test

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/jsonl"
)

// replayCase is an input and a constructor of fresh engines for it.
type replayCase struct {
	name string
	plan *floorplans.Plan
	eng  func() *location.Engine
	in   []location.Sighting
}

// replayCases are inputs for the replay properties: a two-minute prefix of
// the synthetic clinic (late, out-of-order and duplicated sightings, a
// skewed reader clock) and the real danis-tetam walks.
func replayCases(t *testing.T, cfg location.Config) []replayCase {
	clinic := datasetPlan(t, "synthetic-clinic")
	danis := datasetPlan(t, "danis-tetam")
	return []replayCase{
		{"synthetic-clinic", clinic, func() *location.Engine { return newEngine(t, clinic, cfg) }, prefixUntil(datasetSightings(t, "synthetic-clinic"), 120_000)},
		{"danis-tetam", danis, func() *location.Engine { return newEngine(t, danis, cfg) }, datasetSightings(t, "danis-tetam")},
	}
}

func TestReplayDeterministic(t *testing.T) {
	for _, c := range replayCases(t, location.Defaults()) {
		t.Run(c.name, func(t *testing.T) {
			a := encode(replay(c.eng(), c.in))
			b := encode(replay(c.eng(), c.in))
			if len(a) == 0 {
				t.Fatal("no positions")
			}
			if !bytes.Equal(a, b) {
				i := 0
				for i < min(len(a), len(b)) && a[i] == b[i] {
					i++
				}
				t.Errorf("two replays of the same input differ from byte %d (of %d and %d)", i, len(a), len(b))
			}
		})
	}
}

// TestReplaySameWhateverWorkers checks that the engine's output and what
// it learned are byte-identical whether one, two or four workers compute
// the tags, and whether or not the tags' current positions are read
// between barriers (which computes them early): the workers read only the
// learned state committed at the last barrier, and their observations are
// applied in an order that depends on the input only.
func TestReplaySameWhateverWorkers(t *testing.T) {
	for _, c := range replayCases(t, location.Defaults()) {
		t.Run(c.name, func(t *testing.T) {
			var want []byte
			var wantCal map[string]float64
			for _, run := range []struct {
				workers int
				read    bool
			}{{1, false}, {2, false}, {4, false}, {2, true}} {
				cfg := location.Defaults()
				cfg.Workers = run.workers
				eng := newEngine(t, c.plan, cfg)
				var got []byte
				if run.read {
					r := location.NewReplayer(eng)
					var ps []location.Position
					for _, s := range c.in {
						out, _ := r.Add(s)
						ps = append(ps, out...)
						eng.Current(s.Tag)
					}
					got = encode(append(ps, r.Close()...))
				} else {
					got = encode(replay(eng, c.in))
				}
				if want == nil {
					want, wantCal = got, eng.Calibration()
					if len(want) == 0 {
						t.Fatal("no positions")
					}
					continue
				}
				if !bytes.Equal(got, want) {
					i := 0
					for i < min(len(got), len(want)) && got[i] == want[i] {
						i++
					}
					t.Errorf("%d workers (reads %v): output differs from one worker's from byte %d (of %d and %d)", run.workers, run.read, i, len(got), len(want))
				}
				if !maps.Equal(eng.Calibration(), wantCal) {
					t.Errorf("%d workers (reads %v): learned calibration differs from one worker's", run.workers, run.read)
				}
			}
		})
	}
}

// TestReplayNeverRevises checks that what the engine emits while it reads
// a prefix of the input is exactly the start of what it emits for the
// whole input, and that it never emits a tag's epoch twice or out of order.
func TestReplayNeverRevises(t *testing.T) {
	for _, c := range replayCases(t, location.Defaults()) {
		t.Run(c.name, func(t *testing.T) {
			full := replay(c.eng(), c.in)
			last := map[string]int64{}
			for i, p := range full {
				if ts, ok := last[p.Tag]; ok && p.TS <= ts {
					t.Fatalf("position %d at ts %d follows one of the same tag at ts %d", i, p.TS, ts)
				}
				last[p.Tag] = p.TS
			}
			for _, k := range []int{len(c.in) / 3, len(c.in) / 2, len(c.in) - 1} {
				got := replayPrefix(location.NewReplayer(c.eng()), c.in[:k])
				if len(got) == 0 || len(got) > len(full) || !bytes.Equal(encode(got), encode(full[:len(got)])) {
					t.Errorf("prefix of %d sightings: its %d positions are not the first of the full replay's %d", k, len(got), len(full))
				}
			}
		})
	}
}

// TestNoLookAhead checks that a position at ts used only sightings with
// timestamps up to ts (FORMATS.md): replaying only the sightings with
// ts <= T must give the same positions up to T - LatenessMS as replaying
// everything.
//
// With online calibration on (the default) it fails, an engine bug
// reported to the lead: the learned per-reader RSSI offsets are one state
// shared by all tags and updated in processing order, not event time. A
// tag's epoch is computed after epochs of other tags with later timestamps
// (and, in danis-tetam, whole walks listed earlier in the file but recorded
// later) have moved the offsets, so its position depends on sightings
// after its ts and on how tags interleave in the input.
func TestNoLookAhead(t *testing.T) {
	for _, calibrate := range []bool{false, true} {
		cfg := location.Defaults()
		cfg.Calibrate = calibrate
		for _, c := range replayCases(t, cfg) {
			t.Run(fmt.Sprintf("%s/calibrate=%v", c.name, calibrate), func(t *testing.T) {
				checkNoLookAhead(t, c.eng, c.in)
			})
		}
	}
}

// checkNoLookAhead compares replays of in cut at a few times with the full one.
func checkNoLookAhead(t *testing.T, newEng func() *location.Engine, in []location.Sighting) {
	lateness := newEng().Config().LatenessMS
	full := replay(newEng(), in)
	first := in[0].TS
	for _, off := range []int64{20_137, 45_500, 80_999} {
		cut := first + off
		var upTo []location.Sighting
		for _, s := range in {
			if s.TS <= cut {
				upTo = append(upTo, s)
			}
		}
		got, want := byTagUntil(replay(newEng(), upTo), cut-lateness), byTagUntil(full, cut-lateness)
		if len(want) == 0 {
			t.Fatalf("cut at +%d ms: no positions to compare", off)
		}
		if diff := firstDiff(got, want); diff != "" {
			t.Errorf("cut at +%d ms: %s", off, diff)
		}
	}
}

// byTagUntil groups the positions with ts <= until by tag, in order.
func byTagUntil(ps []location.Position, until int64) map[string][]location.Position {
	out := map[string][]location.Position{}
	for _, p := range ps {
		if p.TS <= until {
			out[p.Tag] = append(out[p.Tag], p)
		}
	}
	return out
}

// firstDiff describes the first difference between two groupings, or "".
func firstDiff(got, want map[string][]location.Position) string {
	tags := make([]string, 0, len(want))
	for tag := range want {
		tags = append(tags, tag)
	}
	slices.Sort(tags)
	for ti, tag := range tags {
		g, w := got[tag], want[tag]
		for i := range w {
			if i >= len(g) {
				return fmt.Sprintf("tag #%d: %d positions, want %d", ti, len(g), len(w))
			}
			if g[i] != w[i] {
				gp, wp := g[i], w[i]
				gp.Tag, wp.Tag = "", "" // tag ids may be identities: not in logs
				return fmt.Sprintf("tag #%d position %d: got %s want %s", ti, i, jsonl.AppendPosition(nil, gp), jsonl.AppendPosition(nil, wp))
			}
		}
		if len(g) != len(w) {
			return fmt.Sprintf("tag #%d: %d positions, want %d", ti, len(g), len(w))
		}
	}
	if len(got) != len(want) {
		return fmt.Sprintf("%d tags, want %d", len(got), len(want))
	}
	return ""
}

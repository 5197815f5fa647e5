package location_test

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/hospitalrtls/rtls/location"
)

// replayCases are inputs for the replay properties: a two-minute prefix of
// the synthetic clinic (late, out-of-order and duplicated sightings, a
// skewed reader clock) and the real danis-tetam walks.
func replayCases(t *testing.T) []struct {
	name string
	eng  func() *location.Engine
	in   []location.Sighting
} {
	clinic := datasetPlan(t, "synthetic-clinic")
	danis := datasetPlan(t, "danis-tetam")
	cfg := location.Defaults()
	cfg.Calibrate = false
	return []struct {
		name string
		eng  func() *location.Engine
		in   []location.Sighting
	}{
		{"synthetic-clinic", func() *location.Engine { return newEngine(t, clinic, cfg) }, prefixUntil(datasetSightings(t, "synthetic-clinic"), 120_000)},
		{"danis-tetam", func() *location.Engine { return newEngine(t, danis, cfg) }, datasetSightings(t, "danis-tetam")},
	}
}

func TestReplayDeterministic(t *testing.T) {
	for _, c := range replayCases(t) {
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

// TestReplayNeverRevises checks that what the engine emits while it reads
// a prefix of the input is exactly the start of what it emits for the
// whole input, and that it never emits a tag's epoch twice or out of order.
func TestReplayNeverRevises(t *testing.T) {
	for _, c := range replayCases(t) {
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
				eng := c.eng()
				var got []location.Position
				for _, s := range c.in[:k] {
					_ = eng.Add(s)
					got = append(got, eng.Drain()...)
				}
				if len(got) == 0 || len(got) > len(full) || !bytes.Equal(encode(got), encode(full[:len(got)])) {
					t.Errorf("prefix of %d sightings: its %d positions are not the first of the full replay's %d", k, len(got), len(full))
				}
			}
		})
	}
}

// TestNoLookAhead checks that a position at ts used only sightings with
// timestamps up to ts: replaying only the sightings with ts <= T must give
// the same positions up to T - LatenessMS as replaying everything.
func TestNoLookAhead(t *testing.T) {
	for _, c := range replayCases(t) {
		t.Run(c.name, func(t *testing.T) {
			lateness := c.eng().Config().LatenessMS
			full := replay(c.eng(), c.in)
			first := c.in[0].TS
			for _, off := range []int64{20_137, 45_500, 80_999} {
				cut := first + off
				var in []location.Sighting
				for _, s := range c.in {
					if s.TS <= cut {
						in = append(in, s)
					}
				}
				got, want := byTagUntil(replay(c.eng(), in), cut-lateness), byTagUntil(full, cut-lateness)
				if len(want) == 0 {
					t.Fatalf("cut at +%d ms: no positions to compare", off)
				}
				if diff := firstDiff(got, want); diff != "" {
					t.Errorf("cut at +%d ms: %s", off, diff)
				}
			}
		})
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
				return fmt.Sprintf("tag #%d position %d: got %s want %s", ti, i, location.AppendPositionJSON(nil, g[i]), location.AppendPositionJSON(nil, w[i]))
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

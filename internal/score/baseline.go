package score

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/jsonl"
)

// Baseline parameters, as the reference tool's: the weighted centroid of
// the BaselineTop strongest readers (by mean RSSI) heard in the
// BaselineWindowMS before each truth row, and the position of the single
// strongest reader over StrongestWindowMS.
const (
	BaselineWindowMS  = 3000
	BaselineTop       = 4
	StrongestWindowMS = 10000
)

// Baseline scores a plain weighted-centroid estimate on the truth rows: at
// each truth time of a tag it averages the RSSI of each plan reader heard
// in the preceding BaselineWindowMS (ts in (t-window, t]), keeps the
// BaselineTop strongest, drops those not on the strongest one's level, and
// places the tag at their centroid weighted by 10^(rssi/20). Sightings of
// readers the plan lacks are ignored; all others are used as they are.
func Baseline(plan *floorplans.Plan, sightings []location.Sighting, truth []jsonl.TruthRow) Result {
	return scoreFixes(newRooms(plan), truth, baselineFixes(plan, sightings, truth, BaselineWindowMS, BaselineTop))
}

// BaselineStrongest scores the plainest estimate: at each truth time of a
// tag, the position of the reader with the strongest mean RSSI over the
// preceding StrongestWindowMS (the reference tool's baseline_strongest).
func BaselineStrongest(plan *floorplans.Plan, sightings []location.Sighting, truth []jsonl.TruthRow) Result {
	return scoreFixes(newRooms(plan), truth, baselineFixes(plan, sightings, truth, StrongestWindowMS, 1))
}

// heard is a sighting of a known reader, in the baseline's sort order.
type heard struct {
	ts     int64
	reader string
	rssi   float64
}

// baselineFixes places each tag, at each of its truth times, at the
// weighted centroid of the top strongest readers of the preceding windowMS.
func baselineFixes(plan *floorplans.Plan, sightings []location.Sighting, truth []jsonl.TruthRow, windowMS int64, top int) map[string][]fix {
	byTag := map[string][]heard{}
	for _, s := range sightings {
		if _, ok := plan.Reader(s.Reader); ok {
			byTag[s.Tag] = append(byTag[s.Tag], heard{s.TS, s.Reader, s.RSSI})
		}
	}
	for _, hs := range byTag {
		slices.SortFunc(hs, func(a, b heard) int {
			return cmp.Or(cmp.Compare(a.ts, b.ts), cmp.Compare(a.reader, b.reader), cmp.Compare(a.rssi, b.rssi))
		})
	}
	want := map[string][]int64{}
	for _, tr := range truth {
		want[tr.Tag] = append(want[tr.Tag], tr.TS)
	}
	fixes := map[string][]fix{}
	for tag, times := range want {
		slices.Sort(times)
		hs := byTag[tag]
		for _, t := range slices.Compact(times) {
			if f, ok := centroid(plan, window(hs, t, windowMS), t, top); ok {
				fixes[tag] = append(fixes[tag], f)
			}
		}
	}
	return fixes
}

// window returns the sightings of hs (sorted by ts) with t-windowMS < ts <= t.
func window(hs []heard, t, windowMS int64) []heard {
	hi := sort.Search(len(hs), func(i int) bool { return hs[i].ts > t })
	lo := sort.Search(len(hs), func(i int) bool { return hs[i].ts > t-windowMS })
	return hs[lo:hi]
}

// meanRSSI is one reader's mean RSSI over a window.
type meanRSSI struct {
	mean   float64
	reader string
}

// centroid computes the baseline fix at t from the sightings of its window:
// the weighted centroid of the top strongest readers.
func centroid(plan *floorplans.Plan, hs []heard, t int64, top int) (fix, bool) {
	if len(hs) == 0 {
		return fix{}, false
	}
	sums := map[string][2]float64{} // reader -> (sum, count)
	for _, h := range hs {
		s := sums[h.reader]
		sums[h.reader] = [2]float64{s[0] + h.rssi, s[1] + 1}
	}
	best := make([]meanRSSI, 0, len(sums))
	for r, s := range sums {
		best = append(best, meanRSSI{s[0] / s[1], r})
	}
	// strongest first; ties by reader id, descending, as a reverse tuple sort does
	slices.SortFunc(best, func(a, b meanRSSI) int {
		return cmp.Or(cmp.Compare(b.mean, a.mean), cmp.Compare(b.reader, a.reader))
	})
	best = best[:min(len(best), top)]
	first, _ := plan.Reader(best[0].reader)
	var sw, sx, sy float64
	for _, b := range best {
		r, _ := plan.Reader(b.reader)
		if r.Level != first.Level {
			continue
		}
		w := math.Pow(10, b.mean/20)
		sw += w
		sx += w * r.Point[0]
		sy += w * r.Point[1]
	}
	return fix{ts: t, level: first.Level, x: sx / sw, y: sy / sw, radius: math.NaN()}, true
}

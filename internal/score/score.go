// Package score measures positions against ground truth, exactly as the
// project's reference tool tools/rtls-score does (FORMATS.md "Scoring"):
// each truth row is joined with the newest position of its tag at or
// before it, and the errors, level and room accuracy and room flapping of
// those joins are summarised. Baseline scores a plain weighted centroid on
// the same rows, the number an engine has to beat.
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

// LevelPenaltyM is the error added per level between the estimated and the
// true level.
const LevelPenaltyM = 4.0

// Result is the summary of one scoring run. Fractions are in [0,1].
type Result struct {
	Rows     int     // truth rows
	Coverage float64 // rows joined with a position
	// MedianM, P90M and P95M are percentiles of the joined errors in meters
	// (NaN when no row was joined).
	MedianM float64
	P90M    float64
	P95M    float64
	// LevelAccuracy is the share of joined rows on the right level.
	LevelAccuracy float64
	// RoomAccuracy is the share of truth rows with a room whose join has the
	// right level and room.
	RoomAccuracy float64
	// RoomChangesPerTagHour counts changes of the estimated room along the
	// truth rows that have a room; TrueRoomChangesPerTagHour the truth's own.
	RoomChangesPerTagHour     float64
	TrueRoomChangesPerTagHour float64
	// WithinAccuracy is the share of joined rows whose error is at most the
	// position's own AccuracyM; NaN when no position carried one.
	WithinAccuracy float64
}

// fix is a position reduced to what scoring needs.
type fix struct {
	ts     int64
	level  string
	x, y   float64
	room   string  // "" when none: taken from the plan
	radius float64 // NaN when none
}

// Score joins every truth row with the newest position of its tag whose TS
// is at or before the row's and summarises the errors. A position with
// Room "" gets the room of the plan containing it; one with a NaN
// AccuracyM does not count towards WithinAccuracy.
func Score(plan *floorplans.Plan, truth []jsonl.TruthRow, positions []location.Position) Result {
	fixes := make(map[string][]fix)
	for _, p := range positions {
		fixes[p.Tag] = append(fixes[p.Tag], fix{ts: p.TS, level: p.Level, x: p.X, y: p.Y, room: p.Room, radius: p.AccuracyM})
	}
	return scoreFixes(newRooms(plan), truth, fixes)
}

// tally accumulates the counts of one scoring run.
type tally struct {
	errs                     []float64
	rows, fixed, levelOK     int
	roomRows, roomOK         int
	radius, within           int
	predChanges, trueChanges int
	lastPred, lastTrue       map[string]string
	tMin, tMax               int64
}

func scoreFixes(rm *rooms, truth []jsonl.TruthRow, fixes map[string][]fix) Result {
	for _, fl := range fixes {
		slices.SortStableFunc(fl, func(a, b fix) int { return cmp.Compare(a.ts, b.ts) })
	}
	t := tally{lastPred: map[string]string{}, lastTrue: map[string]string{}}
	for i, tr := range truth {
		if i == 0 {
			t.tMin, t.tMax = tr.TS, tr.TS
		}
		t.row(rm, tr, fixes[tr.Tag])
	}
	return t.result()
}

// row scores one truth row against the fixes of its tag (sorted by ts).
func (t *tally) row(rm *rooms, tr jsonl.TruthRow, fl []fix) {
	t.rows++
	t.tMin, t.tMax = min(t.tMin, tr.TS), max(t.tMax, tr.TS)
	if tr.Room != "" {
		if last, ok := t.lastTrue[tr.Tag]; ok && last != tr.Room {
			t.trueChanges++
		}
		t.lastTrue[tr.Tag] = tr.Room
	}
	// i is the first fix after tr.TS: the as-of join takes the one before it
	i := sort.Search(len(fl), func(k int) bool { return fl[k].ts > tr.TS })
	if i == 0 {
		return
	}
	f := fl[i-1]
	t.fixed++
	dl := 0
	if f.level != tr.Level {
		dl = abs(rm.ordinal(f.level) - rm.ordinal(tr.Level))
	}
	dx, dy := f.x-tr.X, f.y-tr.Y
	err := math.Sqrt(dx*dx+dy*dy) + LevelPenaltyM*float64(dl)
	t.errs = append(t.errs, err)
	if !math.IsNaN(f.radius) {
		t.radius++
		if err <= f.radius {
			t.within++
		}
	}
	if f.level == tr.Level {
		t.levelOK++
	}
	room := f.room
	if room == "" {
		room = rm.at(f.level, f.x, f.y)
	}
	if tr.Room != "" {
		t.roomRows++
		if f.level == tr.Level && room == tr.Room {
			t.roomOK++
		}
		if last, ok := t.lastPred[tr.Tag]; ok && last != room {
			t.predChanges++
		}
		t.lastPred[tr.Tag] = room
	}
}

func (t *tally) result() Result {
	tagHours := math.Max(1e-9, float64(len(t.lastTrue))*float64(t.tMax-t.tMin)/3.6e6)
	slices.Sort(t.errs)
	r := Result{
		Rows:                      t.rows,
		Coverage:                  ratio(t.fixed, t.rows),
		MedianM:                   Percentile(t.errs, 0.5),
		P90M:                      Percentile(t.errs, 0.9),
		P95M:                      Percentile(t.errs, 0.95),
		LevelAccuracy:             ratio(t.levelOK, t.fixed),
		RoomAccuracy:              ratio(t.roomOK, t.roomRows),
		RoomChangesPerTagHour:     float64(t.predChanges) / tagHours,
		TrueRoomChangesPerTagHour: float64(t.trueChanges) / tagHours,
		WithinAccuracy:            math.NaN(),
	}
	if t.radius > 0 {
		r.WithinAccuracy = float64(t.within) / float64(t.radius)
	}
	return r
}

// Percentile returns the q-quantile (0..1) of sorted values by linear
// interpolation between the closest ranks; NaN for no values.
func Percentile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	k := float64(len(sorted)-1) * q
	lo, hi := math.Floor(k), math.Ceil(k)
	return sorted[int(lo)] + (sorted[int(hi)]-sorted[int(lo)])*(k-lo)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

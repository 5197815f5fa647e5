package score

import (
	"cmp"
	"math"
	"slices"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/jsonl"
)

// StillResult summarises what positions did while their tag truly stood
// still: how far the reported position drifted and scattered, and how
// often its room changed.
type StillResult struct {
	Spells int     // still spells scored
	Hours  float64 // tag-hours in them (after each spell's first minute)
	// DriftMPerHour is the distance between the mean reported position of
	// a spell's first and last minute, per hour of the spell, averaged
	// over spells weighted by their duration.
	DriftMPerHour float64
	// SpreadM is the RMS distance of the reported positions from their
	// spell's mean.
	SpreadM float64
	// RoomChanges counts changes of the reported room within still spells.
	RoomChanges int
}

// stillTolM is how far a truth position may move and still count as still
// (the simulator's truth is exact; a real one would need more).
const stillTolM = 0.05

// Still scores the positions on the spells of at least minMS during which
// a tag's true position did not move (truth rows within stillTolM of the
// spell's first), skipping each spell's first minute (the estimate may
// still be settling after the tag stopped).
func Still(truth []jsonl.TruthRow, positions []location.Position, minMS int64) StillResult {
	byTag := map[string][]jsonl.TruthRow{}
	for _, tr := range truth {
		byTag[tr.Tag] = append(byTag[tr.Tag], tr)
	}
	pos := map[string][]location.Position{}
	for _, p := range positions {
		pos[p.Tag] = append(pos[p.Tag], p)
	}
	var res StillResult
	var drift, sq, n float64
	tags := make([]string, 0, len(byTag))
	for tag := range byTag {
		tags = append(tags, tag)
	}
	slices.Sort(tags)
	for _, tag := range tags {
		rows := byTag[tag]
		slices.SortStableFunc(rows, func(a, b jsonl.TruthRow) int { return cmp.Compare(a.TS, b.TS) })
		ps := pos[tag]
		slices.SortStableFunc(ps, func(a, b location.Position) int { return cmp.Compare(a.TS, b.TS) })
		for i := 0; i < len(rows); {
			j := i + 1
			for j < len(rows) && math.Hypot(rows[j].X-rows[i].X, rows[j].Y-rows[i].Y) <= stillTolM && rows[j].Level == rows[i].Level {
				j++
			}
			if rows[j-1].TS-rows[i].TS >= minMS {
				if sp, ok := stillSpell(rows[i:j], ps); ok {
					res.Spells++
					res.Hours += sp.hours
					drift += sp.drift
					sq += sp.sq
					n += float64(sp.n)
					res.RoomChanges += sp.changes
				}
			}
			i = j
		}
	}
	if res.Hours > 0 {
		res.DriftMPerHour = drift / res.Hours
		res.SpreadM = math.Sqrt(sq / n)
	}
	return res
}

// spell is what stillSpell measured on one still spell.
type spell struct {
	hours   float64
	drift   float64 // meters between the first and the last minute's means
	sq      float64 // sum of squared distances from the spell's mean
	n       int
	changes int
}

// stillSpell measures the positions joined to one still spell's truth
// rows after its first minute (false when fewer than three minutes remain).
func stillSpell(rows []jsonl.TruthRow, ps []location.Position) (spell, bool) {
	start := rows[0].TS + 60_000
	var xs, ys []float64
	var ts []int64
	var sp spell
	lastRoom := ""
	for _, tr := range rows {
		if tr.TS < start {
			continue
		}
		i, _ := slices.BinarySearchFunc(ps, tr.TS+1, func(p location.Position, t int64) int { return cmp.Compare(p.TS, t) })
		if i == 0 {
			continue
		}
		p := &ps[i-1]
		if len(xs) > 0 && p.Room != lastRoom {
			sp.changes++
		}
		lastRoom = p.Room
		xs, ys, ts = append(xs, p.X), append(ys, p.Y), append(ts, tr.TS)
	}
	if len(ts) == 0 || ts[len(ts)-1]-ts[0] < 180_000 {
		return sp, false
	}
	mean := func(lo, hi int64) (float64, float64) {
		var sx, sy, k float64
		for i, t := range ts {
			if t >= lo && t < hi {
				sx, sy, k = sx+xs[i], sy+ys[i], k+1
			}
		}
		return sx / k, sy / k
	}
	first, last := ts[0], ts[len(ts)-1]
	ax, ay := mean(first, first+60_000)
	bx, by := mean(last-60_000+1, last+1)
	mx, my := mean(first, last+1)
	for i := range xs {
		sp.sq += (xs[i]-mx)*(xs[i]-mx) + (ys[i]-my)*(ys[i]-my)
	}
	sp.n = len(xs)
	sp.hours = float64(last-first) / 3.6e6
	sp.drift = math.Hypot(bx-ax, by-ay)
	return sp, true
}

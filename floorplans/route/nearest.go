package route

import (
	"cmp"
	"container/heap"
	"math"
	"slices"
)

// Candidate is a place to rank, named by an id (a tag id).
type Candidate struct {
	ID    string
	Place Place
}

// Hit is a candidate ranked by walking distance.
type Hit struct {
	ID string
	// Index is the candidate's index in the slice given to Nearest.
	Index  int
	Meters float64
	// Rooms are the ids of the rooms walked through, the origin's first.
	Rooms []string
}

// Nearest returns the limit candidates nearest to the field's origin by
// walking distance, nearest first; equal distances are ordered by id, then
// by position in cands. Candidates that cannot be reached, or whose place
// is not valid, are left out. A limit of zero or less returns every
// reachable candidate. Once it holds limit hits, it passes over the
// candidates in rooms that every kept hit is nearer than; it takes at most
// one Distance per candidate and one To per hit returned.
func (f *Field) Nearest(cands []Candidate, limit int) []Hit {
	if limit <= 0 || limit > len(cands) {
		limit = len(cands)
	}
	top := worstFirst{cands: cands, hs: make([]hit, 0, limit)}
	for i, c := range cands {
		s, err := f.r.resolve(c.Place)
		if err != nil || (len(top.hs) == limit && f.floor[s.room] > top.hs[0].d) {
			continue // not a place, or its room is farther than the last kept
		}
		d, _ := f.best(s)
		if math.IsInf(d, 1) {
			continue
		}
		h := hit{d: d, i: i}
		if len(top.hs) < limit {
			heap.Push(&top, h)
		} else if top.before(h, top.hs[0]) {
			top.hs[0] = h
			heap.Fix(&top, 0)
		}
	}
	slices.SortFunc(top.hs, func(a, b hit) int { return top.compare(a, b) })
	out := make([]Hit, len(top.hs))
	for k, h := range top.hs {
		c := cands[h.i]
		// The rooms are looked up for the winners only: To allocates.
		_, rooms, _ := f.To(c.Place)
		out[k] = Hit{ID: c.ID, Index: h.i, Meters: h.d, Rooms: rooms}
	}
	return out
}

// hit is a reached candidate: its distance and index.
type hit struct {
	d float64
	i int
}

// worstFirst is a max-heap of hits: the one that ranks last on top.
type worstFirst struct {
	cands []Candidate
	hs    []hit
}

// compare orders hits by distance, then id, then index.
func (w *worstFirst) compare(a, b hit) int {
	return cmp.Or(cmp.Compare(a.d, b.d), cmp.Compare(w.cands[a.i].ID, w.cands[b.i].ID), cmp.Compare(a.i, b.i))
}

func (w *worstFirst) before(a, b hit) bool { return w.compare(a, b) < 0 }

func (w *worstFirst) Len() int           { return len(w.hs) }
func (w *worstFirst) Less(i, j int) bool { return w.before(w.hs[j], w.hs[i]) }
func (w *worstFirst) Swap(i, j int)      { w.hs[i], w.hs[j] = w.hs[j], w.hs[i] }
func (w *worstFirst) Push(x any)         { w.hs = append(w.hs, x.(hit)) }
func (w *worstFirst) Pop() any {
	h := w.hs[len(w.hs)-1]
	w.hs = w.hs[:len(w.hs)-1]
	return h
}

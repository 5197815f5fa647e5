package route

import (
	"container/heap"
	"math"
	"slices"

	"github.com/paulmach/orb/planar"
)

// Field holds the walking distance from one place to every node of the
// door graph. It is immutable and safe for concurrent use.
type Field struct {
	r    *Router
	from spot
	dist []float64 // meters to each node; +Inf where unreachable
	prev []int32   // the node before each on its shortest walk; -1 after the origin
	via  []int32   // the room walked through (or ridden into) to reach each node
	// floor is, for each room, a bound no walk into it beats: the least
	// distance to its nodes (0 for the origin's room).
	floor []float64
}

// From computes the walking distance from a place to every door, landing
// and corner of the plan: one Dijkstra search. The origin's room is left
// by the straight line from the place to each door that it sees. A place
// naming an unknown room (ErrUnknownRoom), a room of another level than
// its own (ErrWrongLevel), or neither a room nor a point in one
// (ErrNotInRoom) is an error.
func (r *Router) From(p Place) (*Field, error) {
	s, err := r.resolve(p)
	if err != nil {
		return nil, err
	}
	n := len(r.nodes)
	f := &Field{r: r, from: s, dist: make([]float64, n), prev: make([]int32, n), via: make([]int32, n)}
	for i := range f.dist {
		f.dist[i], f.prev[i], f.via[i] = math.Inf(1), -1, -1
	}
	var q queue
	rm := &r.rooms[s.room]
	for i, nd := range rm.nodes {
		if !rm.convex && !visible(rm.Polygon, s.pt, rm.anchors[i]) {
			continue
		}
		if d := planar.Distance(s.pt, r.nodes[nd]); d < f.dist[nd] {
			f.dist[nd], f.via[nd] = d, s.room
			q = append(q, item{d, nd})
		}
	}
	heap.Init(&q)
	for len(q) > 0 {
		it := q.pop()
		if it.d > f.dist[it.n] {
			continue // a stale entry: the node was reached shorter since
		}
		for _, e := range r.edges[r.start[it.n]:r.start[it.n+1]] {
			if d := it.d + e.w; d < f.dist[e.to] {
				f.dist[e.to], f.prev[e.to], f.via[e.to] = d, it.n, e.via
				q.push(item{d, e.to})
			}
		}
	}
	f.floor = make([]float64, len(r.rooms))
	for i := range r.rooms {
		f.floor[i] = math.Inf(1)
		for _, n := range r.rooms[i].nodes {
			f.floor[i] = math.Min(f.floor[i], f.dist[n])
		}
	}
	f.floor[s.room] = 0
	return f, nil
}

// item is a queue entry: a node reached at distance d.
type item struct {
	d float64
	n int32
}

// queue is a min-heap of items by distance, then node (ties go to the
// node that comes first in the plan, so that searches are reproducible).
// push and pop keep it with container/heap without boxing items in an
// interface (heap.Push and heap.Pop allocate for each).
type queue []item

func (q *queue) push(it item) {
	*q = append(*q, it)
	heap.Fix(q, len(*q)-1)
}

func (q *queue) pop() item {
	old := *q
	it, n := old[0], len(old)-1
	old[0] = old[n]
	*q = old[:n]
	if n > 0 {
		heap.Fix(q, 0)
	}
	return it
}

// Len, Less, Swap, Push and Pop make queue a heap.Interface; From uses
// push and pop above.
func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	return q[i].d < q[j].d || (q[i].d == q[j].d && q[i].n < q[j].n)
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(item)) }
func (q *queue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}

// Distance returns the walking distance in meters from the field's origin
// to a place; false when the place cannot be reached or is not a valid
// place of the plan (see From). It takes time in
// proportion to the doors of the place's room and does not allocate for a
// convex room.
func (f *Field) Distance(to Place) (float64, bool) {
	s, err := f.r.resolve(to)
	if err != nil {
		return 0, false
	}
	d, _ := f.best(s)
	return d, !math.IsInf(d, 1)
}

// Floor returns a bound no walk from the field's origin into a room beats:
// the least distance to its doors, 0 for the origin's room. A room that
// cannot be reached gets +Inf; a room not in the plan (or "") gets 0, so
// that a place without a known room is never ruled out by it.
func (f *Field) Floor(room string) float64 {
	i, ok := f.r.roomOf[room]
	if !ok {
		return 0
	}
	return f.floor[i]
}

// To returns the walking distance in meters from the field's origin to a
// place and the ids of the rooms walked through, the origin's room first
// and the place's last; false as for Distance.
func (f *Field) To(to Place) (meters float64, rooms []string, ok bool) {
	s, err := f.r.resolve(to)
	if err != nil {
		return 0, nil, false
	}
	d, last := f.best(s)
	if math.IsInf(d, 1) {
		return 0, nil, false
	}
	return d, f.path(s.room, last), true
}

// best returns the distance to a spot and the node the walk enters its
// room by (-1: straight from the origin, in the same room). The last leg
// is the straight line from a node of the room that sees the spot; a
// corner of a non-convex room is such a node too. Ties go to the node
// that comes first in the plan.
func (f *Field) best(s spot) (float64, int32) {
	rm := &f.r.rooms[s.room]
	bestD, bestN := math.Inf(1), int32(-1)
	if s.room == f.from.room && (rm.convex || visible(rm.Polygon, f.from.pt, s.pt)) {
		bestD = planar.Distance(f.from.pt, s.pt)
	}
	if rm.convex {
		for _, n := range rm.nodes {
			if d := f.dist[n] + planar.Distance(f.r.nodes[n], s.pt); d < bestD {
				bestD, bestN = d, n
			}
		}
		return bestD, bestN
	}
	// In a non-convex room, try the nodes from the lowest bound up: the
	// first one that sees the spot gives the shortest walk.
	var buf [32]candidate
	cs := buf[:0]
	for i, n := range rm.nodes {
		if d := f.dist[n] + planar.Distance(f.r.nodes[n], s.pt); d < bestD {
			cs = append(cs, candidate{d: d, n: n, i: int32(i)})
		}
	}
	slices.SortFunc(cs, func(a, b candidate) int {
		if a.d != b.d {
			if a.d < b.d {
				return -1
			}
			return 1
		}
		return int(a.n - b.n)
	})
	for _, c := range cs {
		if visible(rm.Polygon, rm.anchors[c.i], s.pt) {
			return c.d, c.n
		}
	}
	if len(cs) > 0 && math.IsInf(bestD, 1) {
		// No node sees the spot (a sliver at a corner): take the nearest
		// bound rather than lose a place of a room one can reach.
		return cs[0].d, cs[0].n
	}
	return bestD, bestN
}

// candidate is a node of a non-convex room with the bound d it gives.
type candidate struct {
	d    float64
	n, i int32 // node and its index in the room's nodes
}

// path lists the rooms walked through to reach room last via node n,
// dropping repeats (a walk around a corner stays in its room).
func (f *Field) path(room, n int32) []string {
	ids := []int32{room}
	for ; n >= 0; n = f.prev[n] {
		ids = append(ids, f.via[n])
	}
	slices.Reverse(ids)
	ids = slices.Compact(ids)
	rooms := make([]string, len(ids))
	for i, ri := range ids {
		rooms[i] = f.r.rooms[ri].ID
	}
	return rooms
}

package sim

import "container/heap"

// router finds the next edge towards a destination room: one shortest-path
// tree per destination, computed on first use and kept.
type router struct {
	w        *world
	noStairs bool      // for pumps and patients
	next     [][]int32 // [dest][room]: index in w.edges[room], -1 none
}

func newRouter(w *world, noStairs bool) *router {
	return &router{w: w, noStairs: noStairs, next: make([][]int32, len(w.rooms))}
}

// step returns the edge to take from room from towards room to; false when
// from == to or to cannot be reached.
func (r *router) step(from, to int) (edge, bool) {
	if from == to {
		return edge{}, false
	}
	if r.next[to] == nil {
		r.next[to] = r.tree(to)
	}
	i := r.next[to][from]
	if i < 0 {
		return edge{}, false
	}
	return r.w.edges[from][i], true
}

// tree runs Dijkstra from dest over the (symmetric) room graph.
func (r *router) tree(dest int) []int32 {
	n := len(r.w.rooms)
	next := make([]int32, n)
	distTo := make([]float64, n)
	for i := range next {
		next[i], distTo[i] = -1, -1
	}
	distTo[dest] = 0
	q := &pqueue{{room: dest}}
	for q.Len() > 0 {
		it := heap.Pop(q).(item)
		if it.d > distTo[it.room] {
			continue
		}
		for _, e := range r.w.edges[it.room] {
			if e.stairs && r.noStairs {
				continue
			}
			d := it.d + e.cost
			if distTo[e.to] < 0 || d < distTo[e.to] {
				distTo[e.to] = d
				next[e.to] = int32(e.rev)
				heap.Push(q, item{room: e.to, d: d})
			}
		}
	}
	return next
}

type item struct {
	room int
	d    float64
}

// pqueue is a min-heap of items by distance.
type pqueue []item

func (q pqueue) Len() int           { return len(q) }
func (q pqueue) Less(i, j int) bool { return q[i].d < q[j].d }
func (q pqueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *pqueue) Push(x any)        { *q = append(*q, x.(item)) }
func (q *pqueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}

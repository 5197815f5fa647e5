// Package route measures walking distance over a floorplan's door graph:
// door to door through rooms and corridors, up and down stairs and lifts,
// never in a straight line through a wall. A Router is built once per plan;
// From runs one single-source search from a place, and the Field it
// returns answers the distance to any other place in time proportional to
// the doors of that place's room, so that ranking many candidates is cheap.
// See README.md for the rules.
package route

import (
	"fmt"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Router is the door graph of one plan. It is immutable once built and
// safe for concurrent use.
type Router struct {
	plan   *floorplans.Plan
	opts   Options
	rooms  []room
	roomOf map[string]int32
	// nodes are the plan's doors (node i is plan.Doors[i]), then each
	// connector room's landing and each non-convex room's corners, in
	// room order.
	nodes []orb.Point
	// The edges of node n are edges[start[n]:start[n+1]].
	start []int32
	edges []edge
}

// edge is a walk to node to through room via (for a ride between levels,
// via is the connector room arrived in), costing w meters.
type edge struct {
	to, via int32
	w       float64
}

// room is a room of the plan with the graph nodes it holds.
type room struct {
	*floorplans.Room
	rect   bool // the polygon is its bound: containment is a bound check
	convex bool // one convex ring: every two of its points see each other
	// center is where a place given by the room alone stands: its
	// centroid, or the point of the room nearest to it.
	center orb.Point
	// nodes are the graph nodes of the room in ascending order: its
	// doors, its landing, its corners. anchors[i] is the point of the
	// room where walks to nodes[i] end (a door's midpoint may lie in the
	// wall): visibility is judged to it, distance to the node itself.
	nodes   []int32
	anchors []orb.Point
	// landing is the node of a connector room where rides between levels
	// start and end (at center); -1 for other rooms.
	landing int32
}

// New builds the door graph of the plan. Zero options take their defaults.
func New(plan *floorplans.Plan, opts Options) (*Router, error) {
	if plan == nil {
		return nil, ErrNilPlan
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &Router{plan: plan, opts: o, roomOf: make(map[string]int32, len(plan.Rooms))}
	for i, pr := range plan.Rooms {
		r.roomOf[pr.ID] = int32(i)
		r.rooms = append(r.rooms, newRoom(pr))
	}
	for _, d := range plan.Doors {
		n := r.addNode(d.Mid)
		for _, id := range d.Connects {
			ri, ok := r.roomOf[id]
			if !ok {
				return nil, fmt.Errorf("%w: door #%d connects %q", ErrUnknownRoom, d.Index, id)
			}
			rm := &r.rooms[ri]
			rm.add(n, floorplans.NearestPointInRoom(rm.Room, d.Mid))
		}
	}
	for i := range r.rooms {
		rm := &r.rooms[i]
		if connectorOf(plan.Rooms[i].Category) != notConnector {
			rm.landing = r.addNode(rm.center)
			rm.add(rm.landing, rm.center)
		}
		if !rm.convex {
			for _, c := range reflexCorners(rm.Polygon) {
				rm.add(r.addNode(c), c)
			}
		}
	}
	adj := make([][]edge, len(r.nodes))
	for i := range r.rooms {
		r.rooms[i].link(adj, int32(i), r.nodes)
	}
	r.linkLevels(plan, adj)
	r.flatten(adj)
	return r, nil
}

func newRoom(pr *floorplans.Room) room {
	rm := room{Room: pr, landing: -1}
	rm.rect = isRect(pr.Polygon, pr.Bound)
	rm.convex = len(pr.Polygon) == 1 && len(reflexCorners(pr.Polygon)) == 0
	rm.center = floorplans.NearestPointInRoom(pr, pr.Centroid)
	return rm
}

func (r *Router) addNode(p orb.Point) int32 {
	r.nodes = append(r.nodes, p)
	return int32(len(r.nodes) - 1)
}

func (rm *room) add(n int32, anchor orb.Point) {
	rm.nodes = append(rm.nodes, n)
	rm.anchors = append(rm.anchors, anchor)
}

// link joins every two nodes of the room that see each other by the
// straight line between them.
func (rm *room) link(adj [][]edge, via int32, nodes []orb.Point) {
	for i, a := range rm.nodes {
		for j := i + 1; j < len(rm.nodes); j++ {
			b := rm.nodes[j]
			if !rm.convex && !visible(rm.Polygon, rm.anchors[i], rm.anchors[j]) {
				continue
			}
			w := planar.Distance(nodes[a], nodes[b])
			adj[a] = append(adj[a], edge{to: b, via: via, w: w})
			adj[b] = append(adj[b], edge{to: a, via: via, w: w})
		}
	}
}

// contains reports whether p is in the room, its walls included.
func (rm *room) contains(p orb.Point) bool {
	if rm.rect {
		return rm.Bound.Contains(p)
	}
	return rm.Bound.Contains(p) && floorplans.PolygonContains(rm.Polygon, p)
}

// flatten stores the adjacency lists in one slice.
func (r *Router) flatten(adj [][]edge) {
	r.start = make([]int32, len(adj)+1)
	for n, es := range adj {
		r.start[n+1] = r.start[n] + int32(len(es))
		r.edges = append(r.edges, es...)
	}
}

package route

import (
	"github.com/hospitalrtls/rtls/floorplans"
)

// connector is the kind of a room where one changes level.
type connector int

const (
	notConnector connector = iota
	stairs
	lift
)

// connectorOf maps room categories to connector kinds (the spellings the
// location engine and the simulator accept too).
func connectorOf(category string) connector {
	switch category {
	case "elevator", "lift":
		return lift
	case "stairs", "stair", "stairwell", "escalator":
		return stairs
	}
	return notConnector
}

// linkLevels joins the landings of connector rooms of one kind stacked on
// different levels: a room's centroid lies in the other. Stairs join
// levels whose ordinals differ by one, at StairsPerLevelM; a lift joins
// every level it serves, at LiftM plus LiftPerLevelM a level.
func (r *Router) linkLevels(plan *floorplans.Plan, adj [][]edge) {
	type landing struct {
		room, node int32
		ordinal    int
		kind       connector
	}
	var ls []landing
	for i, pr := range plan.Rooms {
		k := connectorOf(pr.Category)
		l, ok := plan.Level(pr.Level)
		if k == notConnector || !ok {
			continue
		}
		ls = append(ls, landing{room: int32(i), node: r.rooms[i].landing, ordinal: l.Ordinal, kind: k})
	}
	for i, a := range ls {
		for _, b := range ls[i+1:] {
			ra, rb := plan.Rooms[a.room], plan.Rooms[b.room]
			if a.kind != b.kind || ra.Level == rb.Level ||
				!(floorplans.PolygonContains(ra.Polygon, rb.Centroid) || floorplans.PolygonContains(rb.Polygon, ra.Centroid)) {
				continue
			}
			w, ok := r.ride(a.kind, abs(a.ordinal-b.ordinal))
			if !ok {
				continue
			}
			adj[a.node] = append(adj[a.node], edge{to: b.node, via: b.room, w: w})
			adj[b.node] = append(adj[b.node], edge{to: a.node, via: a.room, w: w})
		}
	}
}

// ride returns the cost of changing levels levels by a connector, false
// when the options leave it out or stairs do not join the two levels.
func (r *Router) ride(k connector, levels int) (float64, bool) {
	if k == stairs {
		return r.opts.StairsPerLevelM, r.opts.StairsPerLevelM >= 0 && levels == 1
	}
	return r.opts.LiftM + r.opts.LiftPerLevelM*float64(levels), r.opts.LiftM >= 0 && levels > 0
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

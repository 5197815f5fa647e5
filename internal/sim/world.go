package sim

import (
	"errors"
	"fmt"
	"math"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/paulmach/orb"
)

// ErrPlan is returned by New for a plan it cannot simulate on.
var ErrPlan = errors.New("sim: unusable plan")

// defaultStoreyM is the storey height used when no level has elevation_m.
const defaultStoreyM = 4.0

// world is the plan indexed by small integers for the simulation.
type world struct {
	plan   *floorplans.Plan
	levels []levelInfo
	rooms  []roomInfo
	doors  []doorInfo
	edges  [][]edge // per room: doors and vertical moves out of it
	comp   []int    // connected component of each room
	roomOf map[string]int
}

type levelInfo struct {
	id      string
	ordinal int
	elev    float64
	bound   orb.Bound
	adj     []int // levels one ordinal up or down
	rooms   []int
	byKind  [numKinds][]int
}

type roomInfo struct {
	r     *floorplans.Room
	level int
	kind  kind
}

type doorInfo struct {
	level    int
	rooms    [2]int
	mid      orb.Point
	approach [2]orb.Point // a point just inside each room, square to the door
	line     [2]orb.Point // the opening, end to end
}

// edge is a way out of a room: a door or a vertical move (door == -1).
type edge struct {
	to   int
	door int
	rev  int     // index of the reverse edge in edges[to]
	cost float64 // meters, or meter-equivalent of a ride
	ride float64 // seconds spent in the elevator or on the stairs
	// stairs: a vertical move that pumps and patients (in beds or
	// wheelchairs) cannot take
	stairs bool
}

// newWorld indexes plan: rooms on known levels, doors between them, and
// elevator and stairs links between levels.
func newWorld(plan *floorplans.Plan) (*world, error) {
	if plan == nil || len(plan.Levels) == 0 || len(plan.Rooms) == 0 {
		return nil, fmt.Errorf("%w: no levels or no rooms", ErrPlan)
	}
	w := &world{plan: plan, roomOf: make(map[string]int, len(plan.Rooms))}
	levelOf := w.addLevels(plan.Levels)
	for _, r := range plan.Rooms {
		li, ok := levelOf[r.Level]
		if !ok || len(r.Polygon) == 0 {
			continue
		}
		w.roomOf[r.ID] = len(w.rooms)
		w.rooms = append(w.rooms, roomInfo{r: r, level: li, kind: kindOf(r.Category)})
		w.levels[li].bound = w.levels[li].bound.Union(r.Bound)
		w.levels[li].rooms = append(w.levels[li].rooms, len(w.rooms)-1)
		w.levels[li].byKind[kindOf(r.Category)] = append(w.levels[li].byKind[kindOf(r.Category)], len(w.rooms)-1)
	}
	if len(w.rooms) == 0 {
		return nil, fmt.Errorf("%w: no room on a known level", ErrPlan)
	}
	w.edges = make([][]edge, len(w.rooms))
	w.addDoors(plan.Doors, levelOf)
	w.addVertical()
	w.components()
	return w, nil
}

// addLevels indexes the levels and their elevations and neighbours.
func (w *world) addLevels(levels []*floorplans.Level) map[string]int {
	levelOf := make(map[string]int, len(levels))
	anyElev := false
	for _, l := range levels {
		anyElev = anyElev || l.ElevationM != 0
	}
	for _, l := range levels {
		elev := l.ElevationM
		if !anyElev {
			elev = float64(l.Ordinal) * defaultStoreyM
		}
		levelOf[l.ID] = len(w.levels)
		w.levels = append(w.levels, levelInfo{id: l.ID, ordinal: l.Ordinal, elev: elev, bound: l.Outline.Bound()})
	}
	for i := range w.levels {
		for j := range w.levels {
			if d := w.levels[i].ordinal - w.levels[j].ordinal; d == 1 || d == -1 {
				w.levels[i].adj = append(w.levels[i].adj, j)
			}
		}
	}
	return levelOf
}

// addDoors adds an edge pair per door between two known rooms of its level.
func (w *world) addDoors(doors []*floorplans.Door, levelOf map[string]int) {
	for _, d := range doors {
		a, okA := w.roomOf[d.Connects[0]]
		b, okB := w.roomOf[d.Connects[1]]
		li, okL := levelOf[d.Level]
		if !okA || !okB || !okL || a == b || len(d.Line) < 2 {
			continue
		}
		di := doorInfo{level: li, rooms: [2]int{a, b}, mid: d.Mid, line: [2]orb.Point{d.Line[0], d.Line[len(d.Line)-1]}}
		di.approach[0] = w.approach(a, d)
		di.approach[1] = w.approach(b, d)
		w.doors = append(w.doors, di)
		cost := dist(w.rooms[a].r.Centroid, d.Mid) + dist(d.Mid, w.rooms[b].r.Centroid)
		w.link(a, b, len(w.doors)-1, cost, 0, false)
	}
}

// link adds the edges a->b and b->a.
func (w *world) link(a, b, door int, cost, ride float64, stairs bool) {
	w.edges[a] = append(w.edges[a], edge{to: b, door: door, rev: len(w.edges[b]), cost: cost, ride: ride, stairs: stairs})
	w.edges[b] = append(w.edges[b], edge{to: a, door: door, rev: len(w.edges[a]) - 1, cost: cost, ride: ride, stairs: stairs})
}

// approachSteps are the distances from a door's middle, square to it, at
// which a walker steps into the room before and after crossing.
var approachSteps = [...]float64{0.4, 0.6, 0.9, 0.2}

// approach returns a point inside room r just in front of door d.
func (w *world) approach(r int, d *floorplans.Door) orb.Point {
	a, b := d.Line[0], d.Line[len(d.Line)-1]
	dx, dy := b[0]-a[0], b[1]-a[1]
	l := math.Hypot(dx, dy)
	if l == 0 {
		return d.Mid
	}
	nx, ny := -dy/l, dx/l
	for _, k := range approachSteps {
		for _, s := range [...]float64{1, -1} {
			p := orb.Point{d.Mid[0] + s*k*nx, d.Mid[1] + s*k*ny}
			if w.contains(r, p) {
				return p
			}
		}
	}
	return floorplans.NearestPointInRoom(w.rooms[r].r, d.Mid)
}

// components labels the connected components of the room graph.
func (w *world) components() {
	w.comp = make([]int, len(w.rooms))
	for i := range w.comp {
		w.comp[i] = -1
	}
	n := 0
	for s := range w.rooms {
		if w.comp[s] >= 0 {
			continue
		}
		stack := []int{s}
		w.comp[s] = n
		for len(stack) > 0 {
			u := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, e := range w.edges[u] {
				if w.comp[e.to] < 0 {
					w.comp[e.to] = n
					stack = append(stack, e.to)
				}
			}
		}
		n++
	}
}

// contains reports whether p lies inside room r.
func (w *world) contains(r int, p orb.Point) bool {
	room := w.rooms[r].r
	return room.Bound.Contains(p) && floorplans.PolygonContains(room.Polygon, p)
}

func dist(a, b orb.Point) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

package walk

import (
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/hospitalrtls/rtls/floorplans"
)

// ErrNoRoute is returned when no path of doors joins two rooms.
var ErrNoRoute = errors.New("walk: no route")

// ErrUnknownRoom is returned for a room id the plan lacks.
var ErrUnknownRoom = errors.New("walk: unknown room")

// DefaultSpeed is a walking speed in m/s.
const DefaultSpeed = 1.2

// Step is where a tag is during one second of a script.
type Step struct {
	Level string
	Point orb.Point
	// Room is the room of the plan that holds Point, "" for a wall or a door.
	Room string
}

// Stay returns seconds steps at the centre of room.
func Stay(plan *floorplans.Plan, room string, seconds int) ([]Step, error) {
	r, ok := plan.Room(room)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownRoom, room)
	}
	out := make([]Step, seconds)
	for i := range out {
		out[i] = at(plan, r.Level, r.Centroid)
	}
	return out, nil
}

// Walk returns the steps of a walk at speed (m/s) from the centre of room
// from to the centre of room to, through the doors of the shortest path of
// rooms: one step per second after the start, the last at the destination.
func Walk(plan *floorplans.Plan, from, to string, speed float64) ([]Step, error) {
	a, ok := plan.Room(from)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownRoom, from)
	}
	pts, err := route(plan, from, to)
	if err != nil {
		return nil, err
	}
	var out []Step
	for _, pt := range sample(pts, speed) {
		out = append(out, at(plan, a.Level, pt))
	}
	return out, nil
}

// route returns the waypoints from the centre of from to the centre of to:
// through each door, with a point half a corridor inside the rooms passed
// through, so the walk follows them rather than their walls.
func route(plan *floorplans.Plan, from, to string) ([]orb.Point, error) {
	rooms, err := roomPath(plan, from, to)
	if err != nil {
		return nil, err
	}
	first, _ := plan.Room(from)
	pts := []orb.Point{first.Centroid}
	for i := 1; i < len(rooms); i++ {
		d := plan.DoorsBetween(rooms[i-1], rooms[i])[0]
		prev, _ := plan.Room(rooms[i-1])
		next, _ := plan.Room(rooms[i])
		pts = append(pts, inside(prev, d), d.Mid, inside(next, d))
	}
	last, _ := plan.Room(to)
	return append(pts, last.Centroid), nil
}

// inside returns a point inside r in front of door d, 1.3 m from it (or
// nearer in a narrow room).
func inside(r *floorplans.Room, d *floorplans.Door) orb.Point {
	dx, dy := d.Line[len(d.Line)-1][0]-d.Line[0][0], d.Line[len(d.Line)-1][1]-d.Line[0][1]
	n := math.Hypot(dx, dy)
	if n == 0 {
		return floorplans.NearestPointInRoom(r, d.Mid)
	}
	for dist := 1.3; dist > 0.05; dist /= 2 {
		for _, sign := range [2]float64{1, -1} {
			p := orb.Point{d.Mid[0] - sign*dy/n*dist, d.Mid[1] + sign*dx/n*dist}
			if planar.PolygonContains(r.Polygon, p) {
				return p
			}
		}
	}
	return floorplans.NearestPointInRoom(r, d.Mid)
}

// roomPath returns the rooms from from to to, both included, by the fewest
// doors (breadth-first over the plan's neighbours).
func roomPath(plan *floorplans.Plan, from, to string) ([]string, error) {
	if _, ok := plan.Room(to); !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownRoom, to)
	}
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 && queue[0] != to {
		cur := queue[0]
		queue = queue[1:]
		for _, n := range plan.Neighbors(cur) {
			if _, seen := prev[n]; !seen {
				prev[n] = cur
				queue = append(queue, n)
			}
		}
	}
	if _, ok := prev[to]; !ok {
		return nil, fmt.Errorf("%w from %q to %q", ErrNoRoute, from, to)
	}
	var path []string
	for r := to; r != ""; r = prev[r] {
		path = append([]string{r}, path...)
	}
	return path, nil
}

// sample returns the points reached along the polyline pts at speed, one per
// second after the start; the last is the end of the polyline.
func sample(pts []orb.Point, speed float64) []orb.Point {
	var out []orb.Point
	carry := 0.0 // distance walked since the last sample
	for i := 1; i < len(pts); i++ {
		seg := planar.Distance(pts[i-1], pts[i])
		pos := speed - carry
		for ; pos <= seg; pos += speed {
			f := pos / seg
			out = append(out, orb.Point{pts[i-1][0] + f*(pts[i][0]-pts[i-1][0]), pts[i-1][1] + f*(pts[i][1]-pts[i-1][1])})
		}
		carry = seg - (pos - speed)
	}
	if len(out) == 0 || out[len(out)-1] != pts[len(pts)-1] {
		out = append(out, pts[len(pts)-1])
	}
	return out
}

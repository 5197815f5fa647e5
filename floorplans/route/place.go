package route

import (
	"fmt"
	"math"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/paulmach/orb"
)

// Place is where a walk starts or ends: a point in a room, or a room alone.
type Place struct {
	// Room is the room id. Empty: the room of Level that contains Point.
	Room string
	// Level is the level id; it may be empty when Room is given, and
	// must then be the room's level if not.
	Level string
	// Point is the position in site meters, used when HasPoint is set. A
	// point of a convex room is taken as it is; a point of a non-convex
	// room that lies outside it (in its wall) is moved to the nearest
	// point of the room.
	Point orb.Point
	// HasPoint says Point is given; without it the place is the middle
	// of Room (its centroid, or the point of the room nearest to it).
	HasPoint bool
}

// spot is a resolved place: a room index and a point in the room.
type spot struct {
	room int32
	pt   orb.Point
}

// resolve finds the room of a place and the point in it.
func (r *Router) resolve(p Place) (spot, error) {
	if p.Room == "" {
		return r.roomAtPoint(p)
	}
	ri, ok := r.roomOf[p.Room]
	if !ok {
		return spot{}, fmt.Errorf("%w: %q", ErrUnknownRoom, p.Room)
	}
	rm := &r.rooms[ri]
	if p.Level != "" && p.Level != rm.Level {
		return spot{}, fmt.Errorf("%w: room %s is on level %s, not %s", ErrWrongLevel, rm.ID, rm.Level, p.Level)
	}
	if !p.HasPoint {
		return spot{room: ri, pt: rm.center}, nil
	}
	if !finite(p.Point) {
		return spot{}, fmt.Errorf("%w: point %v is not finite", ErrNotInRoom, p.Point)
	}
	if !rm.convex && !rm.contains(p.Point) {
		return spot{room: ri, pt: floorplans.NearestPointInRoom(rm.Room, p.Point)}, nil
	}
	return spot{room: ri, pt: p.Point}, nil
}

// roomAtPoint resolves a place given by level and point alone.
func (r *Router) roomAtPoint(p Place) (spot, error) {
	if !p.HasPoint || !finite(p.Point) {
		return spot{}, fmt.Errorf("%w: want a room or a finite point", ErrNotInRoom)
	}
	pr := r.plan.RoomAt(p.Level, p.Point)
	if pr == nil {
		return spot{}, fmt.Errorf("%w: level %q point %v", ErrNotInRoom, p.Level, p.Point)
	}
	return spot{room: r.roomOf[pr.ID], pt: p.Point}, nil
}

func finite(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsInf(p[0], 0) && !math.IsNaN(p[1]) && !math.IsInf(p[1], 0)
}

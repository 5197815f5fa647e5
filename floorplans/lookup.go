package floorplans

import (
	"github.com/paulmach/orb"
)

// The lookups below only read the plan: they are safe for concurrent use
// and, except ZonesAt, do not allocate. Slices they return are shared with
// the plan and must not be modified. They work on a Plan returned by
// Parse, LoadFile, LoadPaths or New, and return nothing on a nil Plan.

// Level returns the level with the given id.
func (p *Plan) Level(id string) (*Level, bool) {
	if p == nil {
		return nil, false
	}
	l, ok := p.levels[id]
	return l, ok
}

// LevelByOrdinal returns the level with the given ordinal (0 = ground).
func (p *Plan) LevelByOrdinal(ordinal int) (*Level, bool) {
	if p == nil {
		return nil, false
	}
	l, ok := p.byOrdinal[ordinal]
	return l, ok
}

// Room returns the room with the given id.
func (p *Plan) Room(id string) (*Room, bool) {
	if p == nil {
		return nil, false
	}
	r, ok := p.rooms[id]
	return r, ok
}

// Reader returns the reader with the given id.
func (p *Plan) Reader(id string) (*Reader, bool) {
	if p == nil {
		return nil, false
	}
	r, ok := p.readers[id]
	return r, ok
}

// Zone returns the zone with the given id.
func (p *Plan) Zone(id string) (*Zone, bool) {
	if p == nil {
		return nil, false
	}
	z, ok := p.zones[id]
	return z, ok
}

func (p *Plan) level(id string) *levelIndex {
	if p == nil {
		return nil
	}
	return p.byLevel[id]
}

// RoomAt returns the room of the level that contains pt (its boundary
// included), or nil when pt is in no room (a wall, outside, an unknown
// level, a non-finite point). Where two rooms share an edge, a point on it
// gets the one that comes first in the plan.
func (p *Plan) RoomAt(level string, pt orb.Point) *Room {
	li := p.level(level)
	if li == nil {
		return nil
	}
	for _, i := range li.roomGrid.At(pt) {
		r := li.rooms[i]
		if inBound(r.Bound, pt) && PolygonContains(r.Polygon, pt) {
			return r
		}
	}
	return nil
}

// RoomsOn returns the rooms of a level in plan order (nil if unknown).
func (p *Plan) RoomsOn(level string) []*Room {
	if li := p.level(level); li != nil {
		return li.rooms
	}
	return nil
}

// ReadersOn returns the readers of a level in plan order (nil if unknown).
func (p *Plan) ReadersOn(level string) []*Reader {
	if li := p.level(level); li != nil {
		return li.readers
	}
	return nil
}

// ZonesAt returns the zones of the level that contain pt (boundary
// included), in plan order; nil when none. It allocates the result.
func (p *Plan) ZonesAt(level string, pt orb.Point) []*Zone {
	li := p.level(level)
	if li == nil {
		return nil
	}
	var zs []*Zone
	for _, i := range li.zoneGrid.At(pt) {
		z := li.zones[i]
		if inBound(z.Bound, pt) && PolygonContains(z.Polygon, pt) {
			zs = append(zs, z)
		}
	}
	return zs
}

// Neighbors returns the ids of the rooms that doors connect roomID to, in
// the order of the first door to each; nil for a room without doors.
func (p *Plan) Neighbors(roomID string) []string {
	if p == nil {
		return nil
	}
	return p.neighbors[roomID]
}

// DoorsBetween returns the doors between two rooms, given in either order;
// nil if none. (Plan.Doors is the field listing every door.)
func (p *Plan) DoorsBetween(roomA, roomB string) []*Door {
	if p == nil {
		return nil
	}
	return p.doors[pairOf(roomA, roomB)]
}

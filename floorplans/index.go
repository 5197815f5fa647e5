package floorplans

import "github.com/paulmach/orb"

// levelIndex holds the features of one level and grids over its rooms
// and zones. Read-only once built.
type levelIndex struct {
	rooms    []*Room
	readers  []*Reader
	zones    []*Zone
	roomGrid Grid
	zoneGrid Grid
}

// roomPair is an unordered pair of room ids (a <= b).
type roomPair struct{ a, b string }

func pairOf(a, b string) roomPair {
	if b < a {
		a, b = b, a
	}
	return roomPair{a, b}
}

// index builds the lookup structures of a validated plan. The id maps are
// filled by checkIDs.
func (p *Plan) index() {
	p.byLevel = make(map[string]*levelIndex, len(p.Levels))
	p.byOrdinal = make(map[int]*Level, len(p.Levels))
	for _, l := range p.Levels {
		p.byLevel[l.ID] = &levelIndex{}
		p.byOrdinal[l.Ordinal] = l
	}
	for _, r := range p.Rooms {
		li := p.byLevel[r.Level]
		li.rooms = append(li.rooms, r)
	}
	for _, r := range p.Readers {
		li := p.byLevel[r.Level]
		li.readers = append(li.readers, r)
	}
	for _, z := range p.Zones {
		li := p.byLevel[z.Level]
		li.zones = append(li.zones, z)
	}
	for _, li := range p.byLevel {
		li.roomGrid = NewGrid(boundsOf(li.rooms, func(r *Room) orb.Bound { return r.Bound }))
		li.zoneGrid = NewGrid(boundsOf(li.zones, func(z *Zone) orb.Bound { return z.Bound }))
	}
	p.indexDoors()
}

func boundsOf[T any](xs []T, bound func(T) orb.Bound) []orb.Bound {
	bs := make([]orb.Bound, len(xs))
	for i, x := range xs {
		bs[i] = bound(x)
	}
	return bs
}

// indexDoors fills the door and neighbour maps.
func (p *Plan) indexDoors() {
	p.doors = make(map[roomPair][]*Door, len(p.Doors))
	p.neighbors = make(map[string][]string)
	for _, d := range p.Doors {
		a, b := d.Connects[0], d.Connects[1]
		k := pairOf(a, b)
		if len(p.doors[k]) == 0 {
			p.neighbors[a] = append(p.neighbors[a], b)
			p.neighbors[b] = append(p.neighbors[b], a)
		}
		p.doors[k] = append(p.doors[k], d)
	}
}

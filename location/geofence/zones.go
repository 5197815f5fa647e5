package geofence

import (
	"github.com/paulmach/orb"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/location"
)

// zoneState is a zone and the rules and tags that concern it.
type zoneState struct {
	z     Zone
	bound orb.Bound
	room  bool // a room of the plan, matched by Position.Room
	// debounce lists the debounce times (ms) the zone's rules watch it
	// through; debounce[0] is the engine's default.
	debounce []int64
	// rules lists the enabled rules targeting the zone, per view.
	rules [][]*ruleState
	// tags holds the tags with a member for this zone.
	tags map[*tagState]struct{}
}

// newZoneState returns the state of a zone without rules.
func newZoneState(z Zone, room bool) *zoneState {
	return &zoneState{z: z, bound: z.Polygon.Bound(), room: room, tags: make(map[*tagState]struct{})}
}

// viewOf returns the index of the view with debounce d, or -1.
func (z *zoneState) viewOf(d int64) int { return slicesIndex(z.debounce, d) }

// zonesAt returns the zones a position is in: its room, then the zones
// whose polygon on its level contains its point. The result is a scratch
// slice valid until the next call.
func (e *Engine) zonesAt(p location.Position) []*zoneState {
	zs := e.scratch[:0]
	if p.Room != "" {
		if z := e.zones[p.Room]; z != nil && z.room {
			zs = append(zs, z)
		}
	}
	if g := e.grids[p.Level]; g != nil {
		zs = g.appendAt(zs, orb.Point{p.X, p.Y})
	}
	e.scratch = zs
	return zs
}

// rebuildGrids indexes the zones that are not rooms by level.
func (e *Engine) rebuildGrids() {
	byLevel := make(map[string][]*zoneState)
	for _, z := range e.zones {
		if !z.room {
			byLevel[z.z.Level] = append(byLevel[z.z.Level], z)
		}
	}
	clear(e.grids)
	for level, zs := range byLevel {
		e.grids[level] = newZoneGrid(zs)
	}
}

// zoneGrid indexes the zones of a level that are not rooms by their
// bounds.
type zoneGrid struct {
	zones []*zoneState // by id; the grid's item i is zones[i]
	grid  floorplans.Grid
}

// newZoneGrid indexes zones (at least one).
func newZoneGrid(zs []*zoneState) *zoneGrid {
	g := &zoneGrid{zones: sortedZones(zs)}
	bounds := make([]orb.Bound, len(zs))
	for i, z := range g.zones {
		bounds[i] = z.bound
	}
	g.grid = floorplans.NewGrid(bounds)
	return g
}

// appendAt appends the zones containing pt (boundary included), by id, to
// dst.
func (g *zoneGrid) appendAt(dst []*zoneState, pt orb.Point) []*zoneState {
	for _, i := range g.grid.At(pt) {
		z := g.zones[i]
		if z.bound.Contains(pt) && floorplans.PolygonContains(z.z.Polygon, pt) {
			dst = append(dst, z)
		}
	}
	return dst
}

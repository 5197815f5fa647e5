package geofence

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

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
	if g := e.grids[p.Level]; g != nil && finite(p.X) && finite(p.Y) {
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

// zoneGrid is a uniform grid over the bounds of a level's zones; each cell
// lists the zones whose bound touches it.
type zoneGrid struct {
	b      orb.Bound
	nx, ny int
	cw, ch float64
	cells  [][]*zoneState
}

// maxGridSide caps the cells of a grid per axis.
const maxGridSide = 64

// newZoneGrid indexes zones (at least one).
func newZoneGrid(zs []*zoneState) *zoneGrid {
	b := zs[0].bound
	for _, z := range zs[1:] {
		b = b.Union(z.bound)
	}
	side := min(maxGridSide, int(math.Ceil(math.Sqrt(4*float64(len(zs))))))
	g := &zoneGrid{b: b, nx: side, ny: side}
	g.cw = max((b.Max[0]-b.Min[0])/float64(side), 1e-9)
	g.ch = max((b.Max[1]-b.Min[1])/float64(side), 1e-9)
	g.cells = make([][]*zoneState, side*side)
	for _, z := range sortedZones(zs) {
		x0, y0 := g.cellOf(z.bound.Min)
		x1, y1 := g.cellOf(z.bound.Max)
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				g.cells[y*g.nx+x] = append(g.cells[y*g.nx+x], z)
			}
		}
	}
	return g
}

// cellOf returns the cell of a point of the grid's bound, clamped.
func (g *zoneGrid) cellOf(p orb.Point) (int, int) {
	x := int((p[0] - g.b.Min[0]) / g.cw)
	y := int((p[1] - g.b.Min[1]) / g.ch)
	return min(max(x, 0), g.nx-1), min(max(y, 0), g.ny-1)
}

// appendAt appends the zones containing pt (boundary included) to dst.
func (g *zoneGrid) appendAt(dst []*zoneState, pt orb.Point) []*zoneState {
	if !inBound(g.b, pt) {
		return dst
	}
	x, y := g.cellOf(pt)
	for _, z := range g.cells[y*g.nx+x] {
		if inBound(z.bound, pt) && planar.PolygonContains(z.z.Polygon, pt) {
			dst = append(dst, z)
		}
	}
	return dst
}

// inBound reports whether pt lies in b, its edges included.
func inBound(b orb.Bound, pt orb.Point) bool {
	return pt[0] >= b.Min[0] && pt[0] <= b.Max[0] && pt[1] >= b.Min[1] && pt[1] <= b.Max[1]
}

package sim

import (
	"math"
	"math/rand/v2"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/paulmach/orb"
)

// readerState is one reader with its simulated deviations.
type readerState struct {
	id      string
	level   int
	pos     orb.Point
	z       float64 // antenna height above the site's zero
	ranging bool
	at1m    float64 // true rssi at 1 m: nominal + calibration error
	exp     float64 // true path loss exponent
	skew    float64 // clock offset, seconds
	out     outages
	wcache  wallCache
	// portal: the polygon a portal reads in (nil for ranging readers)
	zone      orb.Polygon
	zoneBound orb.Bound
}

// Fallbacks for ranging readers whose plan entry lacks calibration.
const (
	fallbackAt1m = -59.0
	fallbackExp  = 2.0
)

// newReaders draws each reader's deviations from its own random stream.
func newReaders(w *world, cfg Config, levelOf map[string]int) []readerState {
	var rs []readerState
	for i, r := range w.plan.Readers {
		li, ok := levelOf[r.Level]
		if !ok {
			continue
		}
		rng := rand.New(rand.NewPCG(cfg.Seed^saltReaders, uint64(i)))
		st := readerState{
			id: r.ID, level: li, pos: r.Point, ranging: r.Kind.Ranging(),
			z:    w.levels[li].elev + r.HeightM,
			skew: rng.NormFloat64() * cfg.ClockSkewSigma.Seconds(),
		}
		st.out = newOutages(rng, cfg.ReaderFailureFraction, cfg.ReaderOutageMean.Seconds())
		if st.ranging {
			st.at1m, st.exp = r.RSSIAt1m, r.PathLossExponent
			if st.at1m == 0 {
				st.at1m = fallbackAt1m
			}
			if st.exp <= 0 {
				st.exp = fallbackExp
			}
			if cfg.PathLossExponent > 0 {
				st.exp = cfg.PathLossExponent
			}
			st.at1m += rng.NormFloat64() * cfg.CalibSigmaDB
			st.exp = math.Max(1.2, st.exp+rng.NormFloat64()*cfg.ExponentSigma)
		} else if !st.setZone(w.plan, r) {
			continue
		}
		rs = append(rs, st)
	}
	return rs
}

// setZone finds the room or zone a portal covers.
func (st *readerState) setZone(plan *floorplans.Plan, r *floorplans.Reader) bool {
	if room, ok := plan.Room(r.Zone); ok {
		st.zone, st.zoneBound = room.Polygon, room.Bound
		return true
	}
	if z, ok := plan.Zone(r.Zone); ok {
		st.zone, st.zoneBound = z.Polygon, z.Bound
		return true
	}
	return false
}

// inZone reports whether a portal covers p.
func (st *readerState) inZone(p orb.Point) bool {
	return st.zoneBound.Contains(p) && floorplans.PolygonContains(st.zone, p)
}

// wallCache remembers, per 0.5 m cell around a reader, how many walls lie
// between the cell's centre and the reader. Cells are filled on first use.
type wallCache struct {
	origin orb.Point
	n      int
	cells  []uint8 // wallUnknown until computed
}

const (
	wallCacheCellM = 0.5
	wallUnknown    = 0xff
)

// walls returns the number of walls between p and reader st on its level.
func (st *readerState) walls(wi *wallIndex, p orb.Point, rangeM float64) int {
	c := &st.wcache
	if c.cells == nil {
		c.n = int(math.Ceil(2*rangeM/wallCacheCellM)) + 2
		c.origin = orb.Point{st.pos[0] - float64(c.n)*wallCacheCellM/2, st.pos[1] - float64(c.n)*wallCacheCellM/2}
		c.cells = make([]uint8, c.n*c.n)
		for i := range c.cells {
			c.cells[i] = wallUnknown
		}
	}
	i := int(math.Floor((p[0] - c.origin[0]) / wallCacheCellM))
	j := int(math.Floor((p[1] - c.origin[1]) / wallCacheCellM))
	if i < 0 || j < 0 || i >= c.n || j >= c.n {
		return wi.count(p, st.pos)
	}
	v := c.cells[j*c.n+i]
	if v == wallUnknown {
		centre := orb.Point{c.origin[0] + (float64(i)+0.5)*wallCacheCellM, c.origin[1] + (float64(j)+0.5)*wallCacheCellM}
		v = uint8(min(wi.count(centre, st.pos), wallUnknown-1))
		c.cells[j*c.n+i] = v
	}
	return int(v)
}

// readerGrid buckets one level's ranging readers in square cells.
type readerGrid struct {
	origin orb.Point
	cell   float64
	nx, ny int
	cells  [][]int32
}

func newReaderGrid(readers []readerState, level int, bound orb.Bound, cell float64) readerGrid {
	for _, r := range readers {
		if r.level == level && r.ranging {
			bound = bound.Extend(r.pos)
		}
	}
	g := readerGrid{
		origin: bound.Min, cell: cell,
		nx: int((bound.Max[0]-bound.Min[0])/cell) + 1,
		ny: int((bound.Max[1]-bound.Min[1])/cell) + 1,
	}
	g.cells = make([][]int32, g.nx*g.ny)
	for i, r := range readers {
		if r.level == level && r.ranging {
			ci, cj := g.cellOf(r.pos[0], r.pos[1])
			g.cells[cj*g.nx+ci] = append(g.cells[cj*g.nx+ci], int32(i))
		}
	}
	return g
}

func (g *readerGrid) cellOf(x, y float64) (int, int) {
	i := int(math.Floor((x - g.origin[0]) / g.cell))
	j := int(math.Floor((y - g.origin[1]) / g.cell))
	return min(max(i, 0), g.nx-1), min(max(j, 0), g.ny-1)
}

// near appends the readers within r of (x, y) (by cell, a superset).
func (g *readerGrid) near(x, y, r float64, out []int32) []int32 {
	i0, j0 := g.cellOf(x-r, y-r)
	i1, j1 := g.cellOf(x+r, y+r)
	for j := j0; j <= j1; j++ {
		for i := i0; i <= i1; i++ {
			out = append(out, g.cells[j*g.nx+i]...)
		}
	}
	return out
}

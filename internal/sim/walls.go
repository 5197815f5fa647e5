package sim

import (
	"math"

	"github.com/paulmach/orb"

	"github.com/hospitalrtls/rtls/floorplans"
)

const (
	// wallCellM is the side of the cells wall segments are bucketed in.
	wallCellM = 2.0
	// doorSlack: a crossing this close to a door's line is through the
	// opening, not through a wall.
	doorSlack = 0.35
)

// wallIndex counts the walls a straight line crosses on one level: the
// room boundary edges it crosses, halved (one wall is two room edges, or
// one where a room meets the outside), leaving out crossings in doorways.
type wallIndex struct {
	origin orb.Point
	nx, ny int
	cells  [][]int32 // segment ids per cell
	doors  [][]int32 // door ids per cell (bounds grown by doorSlack)
	segs   [][2]orb.Point
	lines  [][2]orb.Point // door lines
	stamp  []uint32       // per segment: the query that last tested it
	query  uint32
}

func newWallIndex(w *world, level int) *wallIndex {
	b := w.levels[level].bound
	wi := &wallIndex{
		origin: b.Min,
		nx:     int(math.Ceil((b.Max[0]-b.Min[0])/wallCellM)) + 1,
		ny:     int(math.Ceil((b.Max[1]-b.Min[1])/wallCellM)) + 1,
	}
	wi.cells = make([][]int32, wi.nx*wi.ny)
	wi.doors = make([][]int32, wi.nx*wi.ny)
	for _, r := range w.levels[level].rooms {
		for _, ring := range w.rooms[r].r.Polygon {
			for i := 1; i < len(ring); i++ {
				wi.addSeg(ring[i-1], ring[i])
			}
		}
	}
	for i := range w.doors {
		d := &w.doors[i]
		if d.level == level {
			wi.addDoor(d)
		}
	}
	wi.stamp = make([]uint32, len(wi.segs))
	return wi
}

func (wi *wallIndex) addSeg(a, b orb.Point) {
	id := int32(len(wi.segs))
	wi.segs = append(wi.segs, [2]orb.Point{a, b})
	wi.forCells(orb.Bound{Min: a, Max: a}.Extend(b), func(c int) {
		wi.cells[c] = append(wi.cells[c], id)
	})
}

func (wi *wallIndex) addDoor(d *doorInfo) {
	id := int32(len(wi.lines))
	wi.lines = append(wi.lines, d.line)
	bb := orb.Bound{Min: d.line[0], Max: d.line[0]}.Extend(d.line[1]).Pad(doorSlack)
	wi.forCells(bb, func(c int) { wi.doors[c] = append(wi.doors[c], id) })
}

// forCells calls f for every cell a bound overlaps.
func (wi *wallIndex) forCells(b orb.Bound, f func(int)) {
	i0, j0 := wi.cell(b.Min)
	i1, j1 := wi.cell(b.Max)
	for j := j0; j <= j1; j++ {
		for i := i0; i <= i1; i++ {
			f(j*wi.nx + i)
		}
	}
}

// cell returns the (clamped) cell of p.
func (wi *wallIndex) cell(p orb.Point) (int, int) {
	i := int(math.Floor((p[0] - wi.origin[0]) / wallCellM))
	j := int(math.Floor((p[1] - wi.origin[1]) / wallCellM))
	return min(max(i, 0), wi.nx-1), min(max(j, 0), wi.ny-1)
}

// count returns the number of walls between p and q.
func (wi *wallIndex) count(p, q orb.Point) int {
	wi.query++
	if wi.query == 0 {
		clear(wi.stamp)
		wi.query = 1
	}
	crossings := 0
	wi.walk(p, q, func(c int) {
		for _, s := range wi.cells[c] {
			if wi.stamp[s] == wi.query {
				continue
			}
			wi.stamp[s] = wi.query
			seg := wi.segs[s]
			if x, ok := floorplans.SegmentIntersection(p, q, seg[0], seg[1]); ok && !wi.inDoor(x) {
				crossings++
			}
		}
	})
	return (crossings + 1) / 2
}

// inDoor reports whether x lies within doorSlack of a door line.
func (wi *wallIndex) inDoor(x orb.Point) bool {
	i, j := wi.cell(x)
	for _, d := range wi.doors[j*wi.nx+i] {
		if floorplans.PointSegmentDistance(x, wi.lines[d][0], wi.lines[d][1]) <= doorSlack {
			return true
		}
	}
	return false
}

// walk visits the cells segment pq passes through (Amanatides-Woo), in
// order; parts outside the grid are clamped to its border cells.
func (wi *wallIndex) walk(p, q orb.Point, visit func(int)) {
	fx, fy := (p[0]-wi.origin[0])/wallCellM, (p[1]-wi.origin[1])/wallCellM
	gx, gy := (q[0]-wi.origin[0])/wallCellM, (q[1]-wi.origin[1])/wallCellM
	i, j := int(math.Floor(fx)), int(math.Floor(fy))
	ei, ej := int(math.Floor(gx)), int(math.Floor(gy))
	si, ti, di := dda(fx, gx, i)
	sj, tj, dj := dda(fy, gy, j)
	last := -1
	for n := abs(ei-i) + abs(ej-j) + 1; n > 0; n-- {
		ci, cj := min(max(i, 0), wi.nx-1), min(max(j, 0), wi.ny-1)
		if c := cj*wi.nx + ci; c != last {
			visit(c)
			last = c
		}
		if ti < tj {
			i += si
			ti += di
		} else {
			j += sj
			tj += dj
		}
	}
}

// dda returns the step direction, the parameter of the first cell border
// crossing and the parameter distance between borders along one axis.
func dda(from, to float64, cell int) (int, float64, float64) {
	d := to - from
	switch {
	case d > 0:
		return 1, (float64(cell+1) - from) / d, 1 / d
	case d < 0:
		return -1, (from - float64(cell)) / -d, 1 / -d
	}
	return 0, math.Inf(1), math.Inf(1)
}

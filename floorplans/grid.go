package floorplans

import (
	"math"

	"github.com/paulmach/orb"
)

// edgeSlack is how far (in cells) past its far edges a grid still maps
// points to its last cells.
const edgeSlack = 1e-6

// maxGridSide caps the cells of a grid per axis.
const maxGridSide = 256

// Grid is a uniform grid over a set of bounds (of rooms, zones, ...): each
// cell lists the items whose bound touches it, so a point lookup tests only
// a few items. The zero Grid holds nothing. Read-only once built, so safe
// for concurrent use.
type Grid struct {
	bound    orb.Bound
	icw, ich float64 // inverse cell width and height
	// fnx and fny are nx and ny plus a little, so that a point on the
	// bound's far edges maps into the grid despite rounding (it then takes
	// the last cell, which lists every item touching that edge).
	fnx, fny float64
	nx, ny   int
	cells    [][]int32 // item indexes, row-major
}

// NewGrid indexes items by their bounds (item i has bounds[i]), with
// square-ish cells about a quarter of an average item's side, so that a
// lookup usually finds one or two candidates.
func NewGrid(bounds []orb.Bound) Grid {
	if len(bounds) == 0 {
		return Grid{}
	}
	all := bounds[0]
	for _, b := range bounds[1:] {
		all = all.Union(b)
	}
	w, h := all.Max[0]-all.Min[0], all.Max[1]-all.Min[1]
	side := math.Sqrt(w*h/float64(len(bounds))) / 4
	g := Grid{bound: all, nx: cellsFor(w, side), ny: cellsFor(h, side)}
	g.icw, g.ich = 1/cellSize(w, g.nx), 1/cellSize(h, g.ny)
	g.fnx, g.fny = float64(g.nx)+edgeSlack, float64(g.ny)+edgeSlack
	g.cells = make([][]int32, g.nx*g.ny)
	for i, b := range bounds {
		x0, y0 := g.cellOf(b.Min)
		x1, y1 := g.cellOf(b.Max)
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				g.cells[y*g.nx+x] = append(g.cells[y*g.nx+x], int32(i))
			}
		}
	}
	return g
}

// cellsFor returns how many cells of about side cover length.
func cellsFor(length, side float64) int {
	if !(side > 0) || !(length > 0) {
		return 1
	}
	return int(math.Max(1, math.Min(maxGridSide, math.Ceil(length/side))))
}

func cellSize(length float64, n int) float64 {
	if !(length > 0) {
		return 1
	}
	return length / float64(n)
}

// cellOf returns the cell holding p, clamped to the grid.
func (g *Grid) cellOf(p orb.Point) (int, int) {
	x := int((p[0] - g.bound.Min[0]) * g.icw)
	y := int((p[1] - g.bound.Min[1]) * g.ich)
	return min(max(x, 0), g.nx-1), min(max(y, 0), g.ny-1)
}

// At returns the indexes of the items whose bound may contain p, in
// increasing order (a superset: callers test the items); nil when p is
// outside the grid's bound (or not finite). The
// slice is shared with the grid and must not be modified. It does not
// allocate, and is small enough to be inlined.
func (g *Grid) At(p orb.Point) []int32 {
	fx := (p[0] - g.bound.Min[0]) * g.icw
	fy := (p[1] - g.bound.Min[1]) * g.ich
	if !(fx >= 0 && fy >= 0 && fx < g.fnx && fy < g.fny) { // NaN too
		return nil
	}
	return g.cells[min(int(fy), g.ny-1)*g.nx+min(int(fx), g.nx-1)]
}

// inBound reports whether b contains p (edges included); unlike
// orb.Bound.Contains it is false for NaN coordinates.
func inBound(b orb.Bound, p orb.Point) bool {
	return p[0] >= b.Min[0] && p[0] <= b.Max[0] && p[1] >= b.Min[1] && p[1] <= b.Max[1]
}

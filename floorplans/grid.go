package floorplans

import (
	"math"

	"github.com/paulmach/orb"
)

// maxGridSide caps the cells of a grid per axis.
const maxGridSide = 256

// Grid is a uniform grid over a set of bounds (of rooms, zones, ...): each
// cell lists the items whose bound touches it, so a point lookup tests only
// a few items. The zero Grid holds nothing. Read-only once built, so safe
// for concurrent use.
type Grid struct {
	bound  orb.Bound
	cw, ch float64 // cell width and height
	nx, ny int
	cells  [][]int32 // item indexes, row-major
}

// NewGrid indexes items by their bounds (item i has bounds[i]), with
// about one item per cell.
func NewGrid(bounds []orb.Bound) Grid {
	if len(bounds) == 0 {
		return Grid{}
	}
	all := bounds[0]
	for _, b := range bounds[1:] {
		all = all.Union(b)
	}
	w, h := all.Max[0]-all.Min[0], all.Max[1]-all.Min[1]
	side := math.Sqrt(w * h / float64(len(bounds)))
	g := Grid{bound: all, nx: cellsFor(w, side), ny: cellsFor(h, side)}
	g.cw, g.ch = cellSize(w, g.nx), cellSize(h, g.ny)
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
	x := int((p[0] - g.bound.Min[0]) / g.cw)
	y := int((p[1] - g.bound.Min[1]) / g.ch)
	return min(max(x, 0), g.nx-1), min(max(y, 0), g.ny-1)
}

// At returns the indexes of the items whose bound may contain p, in
// increasing order; nil when p is outside every bound (or not finite). The
// slice is shared with the grid and must not be modified. It does not
// allocate.
func (g *Grid) At(p orb.Point) []int32 {
	if g.nx == 0 || !inBound(g.bound, p) {
		return nil
	}
	x, y := g.cellOf(p)
	return g.cells[y*g.nx+x]
}

// inBound reports whether b contains p (edges included); unlike
// orb.Bound.Contains it is false for NaN coordinates.
func inBound(b orb.Bound, p orb.Point) bool {
	return p[0] >= b.Min[0] && p[0] <= b.Max[0] && p[1] >= b.Min[1] && p[1] <= b.Max[1]
}

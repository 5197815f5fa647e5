package location

import "math"

// roomGrid buckets a level's rooms by the grid cells their bounds overlap,
// so a point lookup checks a handful of rooms however large the level.
type roomGrid struct {
	minX, minY float64
	cell       float64
	nx, ny     int
	cells      [][]int32
}

const gridCellM = 2.0

func newRoomGrid(s *site, li int) roomGrid {
	l := &s.levels[li]
	b := l.bound
	for _, ri := range l.rooms {
		b = b.Union(s.rooms[ri].bound)
	}
	g := roomGrid{minX: b.Min[0], minY: b.Min[1], cell: gridCellM}
	g.nx = int(math.Ceil((b.Max[0]-b.Min[0])/g.cell)) + 1
	g.ny = int(math.Ceil((b.Max[1]-b.Min[1])/g.cell)) + 1
	if len(l.rooms) == 0 {
		g.nx, g.ny = 0, 0
		return g
	}
	g.cells = make([][]int32, g.nx*g.ny)
	for _, ri := range l.rooms {
		rb := s.rooms[ri].bound
		x0, y0 := g.index(rb.Min[0], rb.Min[1])
		x1, y1 := g.index(rb.Max[0], rb.Max[1])
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				g.cells[y*g.nx+x] = append(g.cells[y*g.nx+x], int32(ri))
			}
		}
	}
	return g
}

func (g *roomGrid) index(x, y float64) (int, int) {
	ix := int((x - g.minX) / g.cell)
	iy := int((y - g.minY) / g.cell)
	return min(max(ix, 0), g.nx-1), min(max(iy, 0), g.ny-1)
}

func (g *roomGrid) candidates(x, y float64) []int32 {
	if g.nx == 0 || x < g.minX || y < g.minY {
		return nil
	}
	ix := int((x - g.minX) / g.cell)
	iy := int((y - g.minY) / g.cell)
	if ix >= g.nx || iy >= g.ny {
		return nil
	}
	return g.cells[iy*g.nx+ix]
}

package location

import (
	"math"
	"slices"
)

// Walls between a reader and a tag are counted along the straight line
// between them (a multi-wall radio model): every crossing from one room
// into another costs WallLossDB unless it passes through a door opening
// between the two rooms. The counts are precomputed per reader on a grid
// of wallCellM cells within wallRangeM of the reader, so the likelihood
// looks them up instead of tracing rays.

const (
	// rasterCellM is the resolution at which a level's rooms are rasterised
	// for ray tracing: finer than a wall's thickness would be ideal, finer
	// than a door's width is needed.
	rasterCellM = 0.1
	// wallCellM is the resolution of a reader's wall-count grid.
	wallCellM = 0.25
	// wallRangeM bounds the grid around each reader: further away a reader
	// rarely hears a tag, and the plain different-room rule is used.
	wallRangeM = 30.0
	// openingTolM is how close to a door's line a ray must pass to go
	// through the opening (numerical slack only: a ray beside the door
	// frame goes through the wall).
	openingTolM = 0.02
)

// roomRaster is a level's room index (-1 outside every room) per cell.
type roomRaster struct {
	minX, minY float64
	nx, ny     int
	room       []int16
}

func newRoomRaster(s *site, li int) *roomRaster {
	l := &s.levels[li]
	b := s.rooms[l.rooms[0]].bound
	for _, ri := range l.rooms {
		b = b.Union(s.rooms[ri].bound)
	}
	r := &roomRaster{minX: b.Min[0], minY: b.Min[1]}
	r.nx = int(math.Ceil((b.Max[0]-b.Min[0])/rasterCellM)) + 1
	r.ny = int(math.Ceil((b.Max[1]-b.Min[1])/rasterCellM)) + 1
	r.room = make([]int16, r.nx*r.ny)
	for iy := 0; iy < r.ny; iy++ {
		for ix := 0; ix < r.nx; ix++ {
			x := r.minX + (float64(ix)+0.5)*rasterCellM
			y := r.minY + (float64(iy)+0.5)*rasterCellM
			r.room[iy*r.nx+ix] = int16(s.roomAt(li, x, y))
		}
	}
	return r
}

func (r *roomRaster) at(x, y float64) int {
	fx, fy := (x-r.minX)*(1/rasterCellM), (y-r.minY)*(1/rasterCellM)
	if fx < 0 || fy < 0 {
		return -1
	}
	ix, iy := int(fx), int(fy)
	if ix >= r.nx || iy >= r.ny {
		return -1
	}
	return int(r.room[iy*r.nx+ix])
}

// wallGrid holds, for one reader, the walls crossed by the line from the
// reader to each cell centre and the room that line ends in.
type wallGrid struct {
	minX, minY float64
	nx, ny     int
	// walls holds two counts per cell, each capped at Config.MaxWalls (at
	// most 8, maxWallsLimit): in its low four bits the walls the line
	// crosses, in its high four one more, for a tag across a wall from
	// the cell centre (count)
	walls []uint8
	end   []int16
}

// buildWallGrids prepares the wall counts of every ranging reader that
// stands in a room of a level with rooms. The readers' grids are
// independent of each other: they are built on the engine's workers.
func (s *site) buildWallGrids(maxWalls, workers int) {
	rasters := make([]*roomRaster, len(s.levels))
	var todo []*siteReader
	for i := range s.readers {
		rd := &s.readers[i]
		if !rd.ranging || rd.room < 0 {
			continue
		}
		if rasters[rd.level] == nil {
			rasters[rd.level] = newRoomRaster(s, rd.level)
		}
		todo = append(todo, rd)
	}
	nw := max(1, min(workers, len(todo)))
	scratch := make([]wallScratch, nw)
	parallel(nw, len(todo), 1, func(k, i int) {
		rd := todo[i]
		rd.walls = s.newWallGrid(rd, rasters[rd.level], &scratch[k], maxWalls)
	})
}

// wallScratch holds the per-ray states while one reader's grid is built,
// the ray state each cell takes (its index in them) and how far each ray
// is walked.
type wallScratch struct {
	walls []uint8
	ends  []int16
	at    []int32
	reach []int32
}

// newWallGrid counts the walls from reader rd to every cell of its grid,
// capped at maxWalls.
func (s *site) newWallGrid(rd *siteReader, ras *roomRaster, sc *wallScratch, maxWalls int) *wallGrid {
	minX := math.Max(ras.minX, rd.x-wallRangeM)
	minY := math.Max(ras.minY, rd.y-wallRangeM)
	maxX := math.Min(ras.minX+float64(ras.nx)*rasterCellM, rd.x+wallRangeM)
	maxY := math.Min(ras.minY+float64(ras.ny)*rasterCellM, rd.y+wallRangeM)
	g := &wallGrid{minX: minX, minY: minY}
	g.nx = max(1, int(math.Ceil((maxX-minX)/wallCellM)))
	g.ny = max(1, int(math.Ceil((maxY-minY)/wallCellM)))
	g.walls = make([]uint8, g.nx*g.ny)
	g.end = make([]int16, g.nx*g.ny)
	// Rays from the reader, fanned out finely enough that neighbouring rays
	// stay within a cell of each other at the far corner, are walked
	// once each; every cell takes the state of the nearest ray at its range.
	far := 0.0
	for _, c := range [4][2]float64{{minX, minY}, {minX, maxY}, {maxX, minY}, {maxX, maxY}} {
		far = math.Max(far, math.Hypot(c[0]-rd.x, c[1]-rd.y))
	}
	step := rasterCellM
	nSteps := int(math.Ceil(far/step)) + 1
	nRays := int(math.Ceil(2 * math.Pi * far / wallCellM))
	// which ray and step each cell takes (at[c]: a*nSteps+k), and how far
	// each ray must be walked for them (reach[a]: its last step any cell
	// takes, -1 when none): the rays are fanned out for the far corner,
	// and most reach the grid's edge well before
	sc.at = slices.Grow(sc.at[:0], len(g.walls))[:len(g.walls)]
	sc.reach = slices.Grow(sc.reach[:0], nRays)[:nRays]
	for a := range sc.reach {
		sc.reach[a] = -1
	}
	for iy := 0; iy < g.ny; iy++ {
		for ix := 0; ix < g.nx; ix++ {
			x := minX + (float64(ix)+0.5)*wallCellM - rd.x
			y := minY + (float64(iy)+0.5)*wallCellM - rd.y
			ang := math.Atan2(y, x)
			if ang < 0 {
				ang += 2 * math.Pi
			}
			a := int(math.Round(ang/(2*math.Pi)*float64(nRays))) % nRays
			k := min(int(math.Round(math.Hypot(x, y)/step)), nSteps-1)
			sc.at[iy*g.nx+ix] = int32(a*nSteps + k)
			sc.reach[a] = max(sc.reach[a], int32(k))
		}
	}
	// a ray writes its row up to its reach, all that is read of it, so the
	// reused buffers need no clearing
	sc.walls = slices.Grow(sc.walls[:0], nRays*nSteps)[:nRays*nSteps]
	sc.ends = slices.Grow(sc.ends[:0], nRays*nSteps)[:nRays*nSteps]
	walls, ends := sc.walls, sc.ends
	for a, reach := range sc.reach {
		if reach < 0 {
			continue
		}
		ang := 2 * math.Pi * float64(a) / float64(nRays)
		dx, dy := math.Cos(ang)*step, math.Sin(ang)*step
		cur, w := rd.room, 0
		px, py := rd.x, rd.y // last point inside cur
		row := a * nSteps
		walls[row], ends[row] = 0, int16(cur)
		for k := 1; k <= int(reach); k++ {
			x, y := rd.x+float64(k)*dx, rd.y+float64(k)*dy
			if r := ras.at(x, y); r >= 0 {
				if r != cur && !s.throughDoor(cur, r, px, py, x, y, openingTolM) {
					w++
				}
				cur, px, py = r, x, y
			}
			walls[row+k], ends[row+k] = uint8(min(w, 255)), int16(cur)
		}
	}
	for c, at := range sc.at {
		w := int(walls[at])
		g.walls[c] = uint8(min(w, maxWalls) | min(w+1, maxWalls)<<4)
		g.end[c] = ends[at]
	}
	return g
}

// wallsBetween returns how many walls separate reader rd from a tag at
// (x, y) in room on level: from the reader's grid where it has one, else
// (too far, or on another level, where the floor loss dominates) one wall
// when the tag is in another room than the reader.
func (rd *siteReader) wallsBetween(level int, x, y float64, room int) int {
	if rd.room < 0 {
		return 0
	}
	if g := rd.walls; g != nil && level == rd.level {
		if w, ok := g.count(x, y, room); ok {
			return w
		}
	}
	if rd.room != room {
		return 1
	}
	return 0
}

// count returns the walls between the grid's reader and a tag at (x, y)
// in room, and whether (x, y) lies on the grid. Small enough to inline
// into the likelihood loops.
func (g *wallGrid) count(x, y float64, room int) (int, bool) {
	ix, iy := int((x-g.minX)*(1/wallCellM)), int((y-g.minY)*(1/wallCellM))
	if x < g.minX || y < g.minY || ix >= g.nx || iy >= g.ny {
		return 0, false
	}
	k := iy*g.nx + ix
	w := g.walls[k]
	if int(g.end[k]) != room {
		w >>= 4 // the cell centre lies across a wall from the tag: one more
	}
	return int(w & 15), true
}

package location

import (
	"cmp"
	"math"
	"slices"
)

// seed places the first particles on the level of the strongest reader
// that heard the tag, inside walkable space, where this epoch's readings
// are likely (seedGrid), or around the readers when no grid point is.
func (t *tracker) seed(e *Engine, ranging []obs, portal int) bool {
	s := e.site
	t.ps = t.ps[:e.cfg.Particles]
	if portal >= 0 {
		t.level = s.rooms[portal].level
		for i := range t.ps {
			t.ps[i] = t.sampleInRoom(s, portal)
		}
		return true
	}
	best := ranging[0]
	for _, o := range ranging[1:] {
		if o.rssi > best.rssi {
			best = o
		}
	}
	lv := s.readers[best.reader].level
	d := e.like.drawer.reset(e, t.last, ranging, lv)
	t.level = lv
	if t.seedGrid(e, ranging, d) {
		return true
	}
	for i := range t.ps {
		t.ps[i] = d.draw(t, e)
	}
	return true
}

// drawer draws particles around the readers that heard a tag on one level:
// a reader in proportion to the power it received (the strongest most
// often), then a walkable point within the range its reading suggests.
type drawer struct {
	lv      int
	readers []drawReader
	sum     float64
}

// drawReader is a reader to draw around: cum is the cumulative power
// weight up to it, h the horizontal radius to draw within.
type drawReader struct {
	reader int
	cum    float64
	h      float64
}

// reset prepares d for the readers of ranging on level lv, with the
// calibration at t, and returns it. It holds no reader when none of them
// is on lv.
func (d *drawer) reset(e *Engine, t int64, ranging []obs, lv int) *drawer {
	s := e.site
	d.lv, d.readers, d.sum = lv, d.readers[:0], 0
	best := math.Inf(-1)
	for _, o := range ranging {
		if s.readers[o.reader].level == lv {
			best = math.Max(best, o.rssi)
		}
	}
	for _, o := range ranging {
		r := &s.readers[o.reader]
		if r.level != lv {
			continue
		}
		d.sum += math.Pow(10, (o.rssi-best)/10)
		dist := math.Pow(10, (r.rssi1m+e.cal.at(o.reader, t)-o.rssi)/(10*(r.n+e.cal.radio.at(t).dn)))
		dz := r.z - (s.levels[lv].elev + e.cfg.TagHeightM)
		h := math.Min(math.Sqrt(math.Max(0, dist*dist-dz*dz)), 15) + 1.5
		d.readers = append(d.readers, drawReader{reader: o.reader, cum: d.sum, h: h})
	}
	return d
}

// draw returns a particle around one of d's readers; d must hold one.
func (d *drawer) draw(t *tracker, e *Engine) particle {
	j := 0
	for u := unit(t.pcg.Uint64()) * d.sum; j < len(d.readers)-1 && d.readers[j].cum < u; j++ {
	}
	return t.sampleNear(e, d.readers[j], d.lv)
}

// sampleNear draws a walkable point within dr.h of its reader: uniform in
// the disk (by rejection from the square, no trigonometry).
func (t *tracker) sampleNear(e *Engine, dr drawReader, lv int) particle {
	s := e.site
	r := &s.readers[dr.reader]
	for try := 0; try < 20; try++ {
		u, v := 2*unit(t.pcg.Uint64())-1, 2*unit(t.pcg.Uint64())-1
		if u*u+v*v > 1 {
			continue
		}
		x, y := r.x+dr.h*u, r.y+dr.h*v
		if room, ok := s.walkable(lv, x, y); ok {
			return particle{x: float32(x), y: float32(y), w: 1, room: int16(room), level: int8(lv)}
		}
	}
	if r.room >= 0 && r.level == lv {
		return particle{x: float32(r.x), y: float32(r.y), w: 1, room: int16(r.room), level: int8(lv)}
	}
	if rooms := s.levels[lv].rooms; len(rooms) > 0 {
		return t.sampleInRoom(s, rooms[t.rng.IntN(len(rooms))])
	}
	return particle{x: float32(r.x), y: float32(r.y), w: 1, room: -1, level: int8(lv)}
}

// sampleInRoom draws a point uniformly inside a room.
func (t *tracker) sampleInRoom(s *site, ri int) particle {
	r := &s.rooms[ri]
	b := r.bound
	for try := 0; try < 50; try++ {
		x := b.Min[0] + unit(t.pcg.Uint64())*(b.Max[0]-b.Min[0])
		y := b.Min[1] + unit(t.pcg.Uint64())*(b.Max[1]-b.Min[1])
		if r.contains(x, y) {
			return particle{x: float32(x), y: float32(y), w: 1, room: int16(ri), level: int8(r.level)}
		}
	}
	c := b.Center()
	return particle{x: float32(c[0]), y: float32(c[1]), w: 1, room: int16(ri), level: int8(r.level)}
}

// confine moves the tag into the room an RFID portal covers: particles
// already there stay, the others are redrawn inside it.
func (t *tracker) confine(e *Engine, room int) {
	for i := range t.ps {
		if int(t.ps[i].room) != room {
			t.ps[i] = t.sampleInRoom(e.site, room)
		}
		t.ps[i].w = 1
	}
	t.room = room
	t.level = e.site.rooms[room].level
}

// inject replaces k random particles with fresh draws around the readers
// heard on the tag's level.
func (t *tracker) inject(e *Engine, ranging []obs, k int) {
	d := e.like.drawer.reset(e, t.last, ranging, t.level)
	if len(d.readers) == 0 {
		return
	}
	// a fresh particle carries the mean weight; the set is renormalised after
	w := float32(1 / float64(len(t.ps)))
	for ; k > 0; k-- {
		p := d.draw(t, e)
		i := t.rng.IntN(len(t.ps))
		t.ps[i] = p
		t.ps[i].w = w // set in place: see resample
	}
	total := 0.0
	for i := range t.ps {
		total += float64(t.ps[i].w)
	}
	for i := range t.ps {
		t.ps[i].w = float32(float64(t.ps[i].w) / total)
	}
}

// seedGrid draws the tag's particles from the likelihood of this epoch's
// readings (on d's level, flat prior) evaluated on a grid of walkable points
// seedStepM apart covering the ranges of d's readers, each particle jittered
// within its grid cell. Draws around single readers start the filter with
// most particles where only one reading fits and converge over several
// seconds; these start where the readings agree. It returns false when no
// grid point is walkable or likely.
func (t *tracker) seedGrid(e *Engine, ranging []obs, d *drawer) bool {
	s := e.site
	cfg := &e.cfg
	lv := d.lv
	l := &s.levels[lv]
	if len(d.readers) == 0 {
		return false
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, dr := range d.readers {
		r := &s.readers[dr.reader]
		minX, maxX = min(minX, r.x-dr.h), max(maxX, r.x+dr.h)
		minY, maxY = min(minY, r.y-dr.h), max(maxY, r.y+dr.h)
	}
	if len(l.outline) > 0 || len(l.rooms) > 0 {
		minX, minY = max(minX, l.bound.Min[0]), max(minY, l.bound.Min[1])
		maxX, maxY = min(maxX, l.bound.Max[0]), min(maxY, l.bound.Max[1])
	}
	rd := e.appendHeard(e.like.rd[:0], ranging, lv, t.last)
	e.like.rd = rd
	tz := l.elev + cfg.TagHeightM
	eps := cfg.outlierFloor(e.cal.radio.at(t.last).sigma)
	// cells holds the walkable grid points, l the likelihood of all
	// readings there, then the cumulative likelihood
	cells := e.like.cells[:0]
	for cx := minX + seedStepM/2; cx < maxX; cx += seedStepM {
		for cy := minY + seedStepM/2; cy < maxY; cy += seedStepM {
			if room, ok := s.walkable(lv, cx, cy); ok {
				cells = append(cells, learnCell{x: cx, y: cy, room: int16(room), l: 1})
			}
		}
	}
	e.like.cells = cells
	lik, nw := e.like.gridBufs(len(cells))
	for j := range rd {
		e.gridLik(&rd[j], cells, tz, eps, lik, nw)
	}
	sum := 0.0
	for c := range cells {
		sum += cells[c].l
		cells[c].l = sum
	}
	if len(cells) == 0 || !(sum > 0) {
		return false
	}
	for i := range t.ps {
		u := unit(t.pcg.Uint64()) * sum
		c, _ := slices.BinarySearchFunc(cells, u, func(c learnCell, u float64) int { return cmp.Compare(c.l, u) })
		cell := &cells[min(c, len(cells)-1)]
		x, y, room := cell.x, cell.y, int(cell.room)
		jx, jy := x+(unit(t.pcg.Uint64())-0.5)*seedStepM, y+(unit(t.pcg.Uint64())-0.5)*seedStepM
		if r, ok := s.walkable(lv, jx, jy); ok {
			x, y, room = jx, jy, r
		}
		t.ps[i] = particle{x: float32(x), y: float32(y), w: 1, room: int16(room), level: int8(lv)}
	}
	return true
}

// seedStepM is the spacing of seedGrid's points: finer than the spread of
// one epoch's likelihood (meters), coarse enough to be cheap once per tag.
const seedStepM = 1.0

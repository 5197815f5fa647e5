package location

import (
	"math"
)

// seed places the first particles around the readers that heard the tag,
// on the level of the strongest, inside walkable space.
func (t *tracker) seed(e *Engine, ranging []obs, portal int) bool {
	s := e.site
	n := e.cfg.Particles
	t.ps = make([]particle, n)
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
	for i := range t.ps {
		t.ps[i] = d.draw(t, e)
	}
	t.level = lv
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
		dist := math.Pow(10, (r.rssi1m+e.cal.at(o.reader, t)-o.rssi)/(10*r.n))
		dz := r.z - (s.levels[lv].elev + e.cfg.TagHeightM)
		h := math.Min(math.Sqrt(math.Max(0, dist*dist-dz*dz)), 15) + 1.5
		d.readers = append(d.readers, drawReader{reader: o.reader, cum: d.sum, h: h})
	}
	return d
}

// draw returns a particle around one of d's readers; d must hold one.
func (d *drawer) draw(t *tracker, e *Engine) particle {
	j := 0
	for u := t.rng.Float64() * d.sum; j < len(d.readers)-1 && d.readers[j].cum < u; j++ {
	}
	return t.sampleNear(e, d.readers[j], d.lv)
}

// sampleNear draws a walkable point within dr.h of its reader: uniform in
// the disk (by rejection from the square, no trigonometry).
func (t *tracker) sampleNear(e *Engine, dr drawReader, lv int) particle {
	s := e.site
	r := &s.readers[dr.reader]
	for try := 0; try < 20; try++ {
		u, v := 2*t.rng.Float64()-1, 2*t.rng.Float64()-1
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
		x := b.Min[0] + t.rng.Float64()*(b.Max[0]-b.Min[0])
		y := b.Min[1] + t.rng.Float64()*(b.Max[1]-b.Min[1])
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
		p.w = w
		t.ps[t.rng.IntN(len(t.ps))] = p
	}
	total := 0.0
	for i := range t.ps {
		total += float64(t.ps[i].w)
	}
	for i := range t.ps {
		t.ps[i].w = float32(float64(t.ps[i].w) / total)
	}
}

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
	var cands []obs
	for _, o := range ranging {
		if s.readers[o.reader].level == lv {
			cands = append(cands, o)
		}
	}
	// choose readers in proportion to received power: the strongest most often
	cw := make([]float64, len(cands))
	sum := 0.0
	for i, o := range cands {
		sum += math.Pow(10, (o.rssi-best.rssi)/10)
		cw[i] = sum
	}
	for i := range t.ps {
		k := 0
		for u := t.rng.Float64() * sum; k < len(cw)-1 && cw[k] < u; k++ {
		}
		t.ps[i] = t.sampleNear(e, cands[k], lv)
	}
	t.level = lv
	return true
}

// sampleNear draws a walkable point around a reader within its estimated range.
func (t *tracker) sampleNear(e *Engine, o obs, lv int) particle {
	s := e.site
	r := &s.readers[o.reader]
	d := math.Pow(10, (r.rssi1m+e.cal.at(o.reader, t.last)-o.rssi)/(10*r.n))
	dz := r.z - (s.levels[lv].elev + e.cfg.TagHeightM)
	h := math.Sqrt(math.Max(0, d*d-dz*dz))
	h = math.Min(h, 15) + 1.5
	for try := 0; try < 20; try++ {
		ang := t.rng.Float64() * 2 * math.Pi
		rad := h * math.Sqrt(t.rng.Float64())
		x, y := r.x+rad*math.Cos(ang), r.y+rad*math.Sin(ang)
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
		if ringContains(r.ring, x, y) {
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
	s := e.site
	cands := e.like.cands[:0]
	for _, o := range ranging {
		if s.readers[o.reader].level == t.level {
			cands = append(cands, o)
		}
	}
	e.like.cands = cands
	if len(cands) == 0 {
		return
	}
	best := cands[0].rssi
	for _, o := range cands {
		best = math.Max(best, o.rssi)
	}
	cw := e.like.cw[:0]
	for range cands {
		cw = append(cw, 0)
	}
	e.like.cw = cw
	sum := 0.0
	for i, o := range cands {
		sum += math.Pow(10, (o.rssi-best)/10)
		cw[i] = sum
	}
	// a fresh particle carries the mean weight; the set is renormalised after
	w := float32(1 / float64(len(t.ps)))
	for ; k > 0; k-- {
		j := 0
		for u := t.rng.Float64() * sum; j < len(cw)-1 && cw[j] < u; j++ {
		}
		p := t.sampleNear(e, cands[j], t.level)
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

package location

import (
	"github.com/paulmach/orb"
	"slices"

	"math"
)

// likeScratch holds per-epoch buffers reused across tags.
type likeScratch struct {
	rd      []readerTerm
	tmp     []particle
	obs     []obs
	ranging []obs
	cands   []obs
	cw      []float64
	power   []float64
}

// readerTerm is one observation prepared for the likelihood loop.
type readerTerm struct {
	x, y, z float64
	a       float64 // rssi at 1 m incl. learned offset
	n5      float64 // 5 * path loss exponent (for log10 of a squared distance)
	room    int16
	level   int8
	rssi    float64
	inv2s2  float64
	silent  bool // the reader did not hear the tag this epoch
}

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

// predict moves every particle by the motion model over dt seconds. Each
// particle is either standing still or walking (a two-state Markov chain
// with mean durations StillS and MovingS); walkers keep a velocity that
// drifts. Particles stay in walkable space, change rooms only through doors
// and levels only in lifts and stairs.
func (t *tracker) predict(e *Engine, dt float64) {
	if dt <= 0 {
		return
	}
	cfg := &e.cfg
	toMove := 1 - math.Exp(-dt/cfg.StillS)
	toStill := 1 - math.Exp(-dt/cfg.MovingS)
	// velocity random walk: a walker can turn or stop within a couple of seconds
	acc := cfg.WalkSpeed * 1.2 * math.Sqrt(dt)
	for i := range t.ps {
		p := &t.ps[i]
		if p.room >= 0 && e.site.rooms[p.room].vertical && len(e.site.rooms[p.room].links) > 0 && t.rng.Float64() < 0.05*dt {
			t.changeLevel(e.site, p)
			continue
		}
		u := t.rng.Float64()
		switch {
		case !p.moving && u < toMove:
			p.moving = true
			ang := t.rng.Float64() * 2 * math.Pi
			sp := cfg.WalkSpeed * (0.5 + t.rng.Float64())
			p.vx, p.vy = float32(sp*math.Cos(ang)), float32(sp*math.Sin(ang))
		case p.moving && u < toStill:
			p.moving = false
			p.vx, p.vy = 0, 0
		}
		if !p.moving {
			continue
		}
		vx := float64(p.vx) + t.rng.NormFloat64()*acc
		vy := float64(p.vy) + t.rng.NormFloat64()*acc
		if sp := math.Hypot(vx, vy); sp > cfg.MaxSpeed {
			vx, vy = vx*cfg.MaxSpeed/sp, vy*cfg.MaxSpeed/sp
		}
		p.vx, p.vy = float32(vx), float32(vy)
		if !t.move(e.site, p, vx*dt, vy*dt) {
			// blocked by a wall: turn somewhere else
			ang := t.rng.Float64() * 2 * math.Pi
			sp := math.Hypot(vx, vy)
			p.vx, p.vy = float32(sp*math.Cos(ang)), float32(sp*math.Sin(ang))
		}
	}
}

// move walks a particle by (dx, dy) in sub-steps no longer than a door's
// width, stopping at the first wall. It reports whether the whole move was made.
func (t *tracker) move(s *site, p *particle, dx, dy float64) bool {
	steps := int(math.Ceil(math.Hypot(dx, dy) / 1.0))
	steps = max(1, min(steps, 8))
	sx, sy := dx/float64(steps), dy/float64(steps)
	x, y := float64(p.x), float64(p.y)
	for k := 0; k < steps; k++ {
		nx, ny := x+sx, y+sy
		room, ok := s.walkable(int(p.level), nx, ny)
		if !ok || (room != int(p.room) && p.room >= 0 && !s.throughDoor(int(p.room), room, x, y, nx, ny)) {
			p.x, p.y = float32(x), float32(y)
			return false
		}
		x, y = nx, ny
		p.room = int16(room)
	}
	p.x, p.y = float32(x), float32(y)
	return true
}

// changeLevel moves a particle in a lift or stairs to a linked level.
func (t *tracker) changeLevel(s *site, p *particle) {
	r := &s.rooms[p.room]
	to := r.links[t.rng.IntN(len(r.links))]
	p.room = int16(to)
	p.level = int8(s.rooms[to].level)
	if !ringContains(s.rooms[to].ring, float64(p.x), float64(p.y)) {
		*p = t.sampleInRoom(s, to)
	}
}

// weigh multiplies each particle's weight by the likelihood of this
// epoch's readings and resamples when the weights degenerate.
func (t *tracker) weigh(e *Engine, ranging []obs) {
	s := e.site
	cfg := &e.cfg
	rd := e.like.rd[:0]
	for _, o := range ranging {
		r := &s.readers[o.reader]
		// shadowing does not average out over repeated samples; fading does.
		v := cfg.SigmaDB * cfg.SigmaDB * (0.6 + 0.4/float64(o.n))
		rd = append(rd, readerTerm{x: r.x, y: r.y, z: r.z, a: r.rssi1m + e.cal.at(o.reader, t.last), n5: 5 * r.n,
			room: int16(r.room), level: int8(r.level), rssi: o.rssi, inv2s2: 1 / (2 * v)})
	}
	rd = t.silentReaders(e, ranging, rd)
	e.like.rd = rd
	eps := cfg.OutlierProb * cfg.SigmaDB * math.Sqrt(2*math.Pi) / 60
	invSigma := 1 / cfg.SigmaDB
	total := 0.0
	for i := range t.ps {
		p := &t.ps[i]
		px, py, pz := float64(p.x), float64(p.y), s.levels[p.level].elev+cfg.TagHeightM
		l := float64(p.w)
		for j := range rd {
			r := &rd[j]
			dx, dy, dz := px-r.x, py-r.y, pz-r.z
			d2 := math.Max(dx*dx+dy*dy+dz*dz, 0.09)
			mu := r.a - r.n5*log10Fast(d2)
			if r.room != p.room && r.room >= 0 {
				mu -= cfg.WallLossDB
			}
			if r.level != p.level {
				mu -= cfg.FloorLossDB * math.Abs(float64(s.levels[r.level].ordinal-s.levels[p.level].ordinal))
			}
			if r.silent {
				// heard nothing: likely only if the signal fell below the
				// receiver's sensitivity there, or the reading was lost
				l *= cfg.MissProb + (1-cfg.MissProb)*normalCDF((cfg.SensitivityDBm-mu)*invSigma)
				continue
			}
			res := r.rssi - mu
			l *= (1-cfg.OutlierProb)*expNeg(-res*res*r.inv2s2) + eps
		}
		p.w = float32(l)
		total += l
	}
	if !(total > 0) || math.IsInf(total, 0) {
		for i := range t.ps {
			t.ps[i].w = 1
		}
		total = float64(len(t.ps))
	}
	ess := 0.0
	for i := range t.ps {
		w := float64(t.ps[i].w) / total
		t.ps[i].w = float32(w)
		ess += w * w
	}
	inject := t.surprise(total, len(rd))
	if 1/ess < resampleESS*float64(len(t.ps)) || inject > 0 {
		t.resample(e)
	}
	if inject > 0 {
		t.inject(e, ranging, inject)
	}
}

// silentReaders appends the ranging readers of the tag's level near its
// last estimate that should have heard it there but did not: negative
// evidence that keeps a tag out of places where a reader would hear it.
func (t *tracker) silentReaders(e *Engine, heard []obs, rd []readerTerm) []readerTerm {
	s := e.site
	cfg := &e.cfg
	if !t.hasEst || cfg.MissProb >= 1 {
		return rd
	}
	const radius = 15.0
	lv := &s.levels[t.level]
	for _, ri := range lv.readers {
		r := &s.readers[ri]
		dx, dy := r.x-t.estX, r.y-t.estY
		if !r.ranging || dx*dx+dy*dy > radius*radius || slices.ContainsFunc(heard, func(o obs) bool { return o.reader == ri }) {
			continue
		}
		a := r.rssi1m + e.cal.at(ri, t.last)
		dz := r.z - (lv.elev + cfg.TagHeightM)
		mu := a - 5*r.n*math.Log10(math.Max(dx*dx+dy*dy+dz*dz, 0.09))
		if r.room >= 0 && r.room != t.room {
			mu -= cfg.WallLossDB
		}
		if mu < cfg.SensitivityDBm {
			continue // would not have heard it anyway: no information
		}
		rd = append(rd, readerTerm{x: r.x, y: r.y, z: r.z, a: a, n5: 5 * r.n, room: int16(r.room), level: int8(r.level), silent: true})
	}
	return rd
}

// normalCDF approximates the standard normal CDF (logistic, error < 0.01).
func normalCDF(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + expNeg(-1.702*z))
	}
	q := expNeg(1.702 * z)
	return q / (1 + q)
}

// surprise tracks how well the particles explain the readings (short and
// long averages of the per-reading likelihood, as in augmented Monte Carlo
// localisation) and returns how many particles to redraw from the readings:
// a few always, many when the tag has clearly moved somewhere the particles
// did not follow.
func (t *tracker) surprise(total float64, readings int) int {
	// particle weights summed to 1 before this update, so total is the mean likelihood
	l := math.Pow(total, 1/float64(readings))
	if t.wSlow == 0 {
		t.wSlow, t.wFast = l, l
	}
	t.wSlow += 0.05 * (l - t.wSlow)
	t.wFast += 0.3 * (l - t.wFast)
	frac := math.Max(minInjectFrac, 1-t.wFast/t.wSlow)
	return int(math.Min(frac, 0.5) * float64(len(t.ps)))
}

// resampleESS is the effective sample size, as a fraction of the
// particles, below which the set is resampled.
const resampleESS = 0.5

// minInjectFrac of the particles are redrawn from the readings every
// update so that the filter can always recover from a wrong room.
const minInjectFrac = 0.02

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

// resample draws a new, equally weighted particle set (systematic
// resampling) and jitters copies slightly so they do not collapse.
func (t *tracker) resample(e *Engine) {
	n := len(t.ps)
	tmp := append(e.like.tmp[:0], t.ps...)
	e.like.tmp = tmp
	step := 1.0 / float64(n)
	u := t.rng.Float64() * step
	c := float64(tmp[0].w)
	j := 0
	for i := 0; i < n; i++ {
		for u > c && j < n-1 {
			j++
			c += float64(tmp[j].w)
		}
		p := tmp[j]
		p.w = float32(step)
		t.ps[i] = p
		u += step
	}
	// roughen: a small jitter within the particle's room keeps copies apart
	for i := range t.ps {
		t.jitter(e.site, &t.ps[i], 0.15)
	}
}

// jitter moves a particle by a small random step if it stays in the same
// room (or inside the outline of a level without rooms).
func (t *tracker) jitter(s *site, p *particle, sigma float64) {
	x := float64(p.x) + t.rng.NormFloat64()*sigma
	y := float64(p.y) + t.rng.NormFloat64()*sigma
	var ring []orb.Point
	if p.room >= 0 {
		ring = s.rooms[p.room].ring
	} else {
		ring = s.levels[p.level].outline
	}
	if len(ring) == 0 || ringContains(ring, x, y) {
		p.x, p.y = float32(x), float32(y)
	}
}

// checkLevel re-seeds the tag on another level when the strongest readers
// have been on that level for longer than LevelSwitchMS while the particles
// stayed elsewhere: sustained evidence, never a single reading.
func (t *tracker) checkLevel(e *Engine, now int64, ranging []obs) {
	s := e.site
	if len(s.levels) < 2 {
		return
	}
	power := e.like.power[:0]
	for range s.levels {
		power = append(power, 0)
	}
	e.like.power = power
	for _, o := range ranging {
		power[s.readers[o.reader].level] += math.Pow(10, o.rssi/10)
	}
	best, bp := -1, 0.0
	for lv, p := range power {
		if p > bp {
			best, bp = lv, p
		}
	}
	if best == t.level {
		t.altLevel = -1
		return
	}
	if best != t.altLevel {
		t.altLevel, t.altSince = best, now
		return
	}
	if now-t.altSince < e.cfg.LevelSwitchMS {
		return
	}
	var cands []obs
	for _, o := range ranging {
		if s.readers[o.reader].level == best {
			cands = append(cands, o)
		}
	}
	for i := range t.ps {
		t.ps[i] = t.sampleNear(e, cands[t.rng.IntN(len(cands))], best)
	}
	t.level, t.room, t.altLevel = best, -1, -1
	t.weigh(e, ranging)
}

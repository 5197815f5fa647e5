package location

import (
	"math"

	"github.com/paulmach/orb"

	"github.com/hospitalrtls/rtls/floorplans"
)

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
	acc := cfg.velocityNoise(dt)
	for i := range t.ps {
		p := &t.ps[i]
		if p.room >= 0 && e.site.rooms[p.room].vertical && len(e.site.rooms[p.room].links) > 0 && unit(t.pcg.Uint64()) < 0.05*dt {
			t.changeLevel(e.site, p)
			continue
		}
		u := unit(t.pcg.Uint64())
		switch {
		case !p.moving && u < toMove:
			p.moving = true
			ang := unit(t.pcg.Uint64()) * 2 * math.Pi
			sp := cfg.WalkSpeed * (0.5 + unit(t.pcg.Uint64()))
			p.setVelocity(sp*math.Cos(ang), sp*math.Sin(ang))
		case p.moving && u < toStill:
			p.moving = false
			p.setVelocity(0, 0)
		}
		if !p.moving {
			continue
		}
		vx, vy := p.velocity()
		vx += t.rng.NormFloat64() * acc
		vy += t.rng.NormFloat64() * acc
		if sp := math.Hypot(vx, vy); sp > cfg.MaxSpeed {
			vx, vy = vx*cfg.MaxSpeed/sp, vy*cfg.MaxSpeed/sp
		}
		p.setVelocity(vx, vy)
		if !t.move(e.site, p, vx*dt, vy*dt) {
			// blocked by a wall: turn somewhere else
			ang := unit(t.pcg.Uint64()) * 2 * math.Pi
			sp := math.Hypot(vx, vy)
			p.setVelocity(sp*math.Cos(ang), sp*math.Sin(ang))
		}
	}
}

// stepDoorTolM is how close to a door opening a particle's step must pass
// to go through it: a step may clip the door frame.
const stepDoorTolM = 0.35

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
		if !ok || (room != int(p.room) && p.room >= 0 && !s.throughDoor(int(p.room), room, x, y, nx, ny, stepDoorTolM)) {
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
	if !s.rooms[to].contains(float64(p.x), float64(p.y)) {
		*p = t.sampleInRoom(s, to)
	}
}

// jitter moves each particle of ps by a small random step if it stays in
// the same room (or inside the outline of a level without rooms).
func (t *tracker) jitter(s *site, ps []particle, sigma float64) {
	rooms, rng := s.rooms, t.rng
	for i := range ps {
		p := &ps[i]
		x := float64(p.x) + rng.NormFloat64()*sigma
		y := float64(p.y) + rng.NormFloat64()*sigma
		var in bool
		if p.room >= 0 {
			in = rooms[p.room].contains(x, y)
		} else {
			ring := s.levels[p.level].outline
			in = len(ring) == 0 || floorplans.RingContains(ring, orb.Point{x, y})
		}
		if in {
			p.x, p.y = float32(x), float32(y)
		}
	}
}

// velocity returns the particle's velocity in m/s.
func (p *particle) velocity() (vx, vy float64) { return float64(p.vx) / 100, float64(p.vy) / 100 }

// setVelocity sets the particle's velocity (m/s, at most 327 in each
// axis; the motion model caps it at Config.MaxSpeed).
func (p *particle) setVelocity(vx, vy float64) {
	p.vx, p.vy = cmPerS(vx), cmPerS(vy)
}

// cmPerS returns v (m/s) in cm/s within ±32767: max(-32767, min(32767,
// math.Round(v*100))) without the builtins' NaN and signed-zero cases,
// which cost and would not change the result.
func cmPerS(v float64) int16 {
	c := math.Round(v * 100)
	if c > 32767 {
		c = 32767
	}
	if c < -32767 {
		c = -32767
	}
	return int16(c)
}

// velocityNoise is the spread (m/s) of a walker's velocity random walk
// over dt seconds: a walker can turn or stop within a couple of seconds
// (predict; walkBinM sizes walking tags' KLD bins by it).
func (c *Config) velocityNoise(dt float64) float64 { return c.WalkSpeed * 1.2 * math.Sqrt(dt) }

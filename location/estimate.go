package location

import (
	"math"
)

// roomMass is the probability mass of one room in the particle set.
type roomMass struct {
	room int
	w    float64
}

// estimate turns the particle set into the reported position: the level,
// the room from the room filter (decideRoom), the weighted mean of the particles in that
// room, and an error radius from their spread.
func (t *tracker) estimate(e *Engine, end int64, portal int, ranging []obs) Position {
	s := e.site
	t.level = t.pickLevel(len(s.levels))
	var masses [16]roomMass
	rooms := masses[:0]
	var moving float64
	// resampling keeps the copies of a particle together: the mass of the
	// room of a run of particles (rooms[k]) is summed in a register (acc)
	// and written back when the run ends, in the same order of additions
	level, cur, k, acc := t.level, math.MinInt, -1, 0.0
	for i := range t.ps {
		p := &t.ps[i]
		if int(p.level) != level {
			continue
		}
		if int(p.room) != cur {
			if k >= 0 {
				rooms[k].w = acc
			}
			cur, k = int(p.room), -1
			for j := range rooms {
				if rooms[j].room == cur {
					k = j
					break
				}
			}
			if k < 0 {
				rooms = append(rooms, roomMass{room: cur})
				k = len(rooms) - 1
			}
			acc = rooms[k].w
		}
		acc += float64(p.w)
		if p.moving {
			moving += float64(p.w)
		}
	}
	if k >= 0 {
		rooms[k].w = acc
	}
	total := 0.0
	for _, m := range rooms {
		total += m.w
	}
	if total > 0 {
		moving /= total
	}
	roomMoving := moving
	if t.spell.continues(t.level, end) {
		// the tag's cadence says it rests: its room is kept at a still
		// tag's leaving rate, whatever share of the particles walks
		roomMoving = 0
	}
	kappa := e.roomTemper(ranging, t.level, end)
	t.room = t.decideRoom(s, end, rooms, total, roomMoving, kappa, e.cfg.RoomSwitchProb, portal)
	x, y, acc, prob := t.centre(t.room, t.level, total)
	guess := round2(prob) < levelMeanBelow // as reported
	if guess {
		// the room is a guess: the mean of the whole level errs less
		x, y, acc, _ = t.centre(-1, t.level, total)
	} else if t.room >= 0 && !s.rooms[t.room].contains(x, y) {
		// the mean of a room that is not convex (a corridor with a bend)
		// can lie outside it: report its particle nearest to the mean
		x, y = t.nearestIn(t.room, x, y)
	}
	t.estX, t.estY, t.hasEst = x, y, true // the filter's own, for its next update
	if mx, my := t.spell.smooth(t.level, end, x, y, acc); guess || t.room < 0 || s.rooms[t.room].contains(mx, my) {
		// the spell's mean, unless it lies outside the room reported
		x, y = mx, my
	}
	scale := 0.0 // no room: the shadowing part is not bounded by one
	if t.room >= 0 {
		scale = s.roomScale[t.room]
	}
	pos := Position{TS: end, Tag: t.tag, Level: s.levels[t.level].id, X: round2(x), Y: round2(y),
		AccuracyM: round2(e.radius(acc, end, t.nearestHeard(e, ranging, x, y), prob, scale)), RoomProb: round2(prob)}
	if t.room >= 0 {
		pos.Room = s.rooms[t.room].id
	}
	if e.learnsAt(t.tag, prob, end) {
		e.learn(ranging, end, x, y, t.level)
	}
	return pos
}

// pickLevel returns the level holding most of the particle weight.
func (t *tracker) pickLevel(nLevels int) int {
	if nLevels == 1 {
		return 0
	}
	var w [8]float64
	var ws []float64
	if nLevels <= len(w) {
		ws = w[:nLevels]
	} else {
		ws = make([]float64, nLevels)
	}
	for i := range t.ps {
		ws[t.ps[i].level] += float64(t.ps[i].w)
	}
	best := t.level
	for i, v := range ws {
		if v > ws[best]*1.5 {
			best = i
		}
	}
	return best
}

// centre returns the weighted mean of the particles in room (on level),
// the radius within which about 68% of them lie, and the room's probability
// (its share of the particle weight).
// The radius is the particles' own: estimate widens it for reporting.
func (t *tracker) centre(room, level int, total float64) (x, y, acc, prob float64) {
	var sw float64
	for i := range t.ps {
		p := &t.ps[i]
		if int(p.level) != level || (room >= 0 && int(p.room) != room) {
			continue
		}
		w := float64(p.w)
		x += w * float64(p.x)
		y += w * float64(p.y)
		sw += w
	}
	inRoom := sw
	if sw == 0 { // the room the filter keeps holds no particle: use the whole level
		for i := range t.ps {
			p := &t.ps[i]
			if int(p.level) == level {
				w := float64(p.w)
				x += w * float64(p.x)
				y += w * float64(p.y)
				sw += w
			}
		}
	}
	if sw == 0 {
		return float64(t.ps[0].x), float64(t.ps[0].y), 10, 0
	}
	x /= sw
	y /= sw
	// mean squared distance of all particles on the level from the estimate:
	// for a 2-D Gaussian, sqrt of it is the ~63% radius and 1.07x gives 68%.
	// The particle spread ignores what the radio model gets wrong (static
	// shadowing): radius adds that.
	var msd, lw float64
	for i := range t.ps {
		p := &t.ps[i]
		if int(p.level) != level {
			continue
		}
		dx, dy := float64(p.x)-x, float64(p.y)-y
		msd += float64(p.w) * (dx*dx + dy*dy)
		lw += float64(p.w)
	}
	acc = math.Max(0.5, 1.07*math.Sqrt(msd/lw))
	if total > 0 {
		prob = inRoom / total
	}
	return x, y, acc, math.Min(prob, 1)
}

// levelMeanBelow is the room probability below which the position is the
// weighted mean of all particles of the level instead of those in the
// reported room: when the room is a guess, the mean of everything the
// filter believes errs less than the centre of one of the guesses.
const levelMeanBelow = 0.5

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// radius turns the particles' own 68% radius (their spread) into the
// reported one. The spread says how well this epoch's readings and the
// motion pin the tag down under the model; it misses what the model gets
// wrong for a while at one place (shadowing that does not average out).
// An error of σ dB in a reading is a relative error of ln10·σ/(10 n) in
// its distance, so that part grows with the building's learned σ and with
// the distance near to the nearest reader that heard the tag (near is
// where the position comes from). Within the reported room, which holds
// the tag with probability prob, that part cannot exceed the room's own
// size (scale, its equivalent radius; 0 when there is no room): walls and
// doors bound the error there, not the reading's distance. The two parts
// add as independent errors.
func (e *Engine) radius(spread float64, t int64, near, prob, scale float64) float64 {
	rad := e.cal.radio.at(t)
	m := radiusShadow * rad.SigmaDB * math.Ln10 / (10 * (nominalExponent + rad.dn)) * near
	if scale > 0 {
		m = prob*math.Min(m, radiusRoomShare*scale) + (1-prob)*m
	}
	k := radiusSpread * spread
	return math.Sqrt(k*k + m*m)
}

// nearestHeard returns the distance (m, 3-D) from (x, y) on the tag's
// level to the nearest ranging reader of that level that heard it this
// epoch, or radiusFallbackM when none did.
func (t *tracker) nearestHeard(e *Engine, ranging []obs, x, y float64) float64 {
	s := e.site
	tz := s.levels[t.level].elev + e.cfg.TagHeightM
	best := math.Inf(1)
	for _, o := range ranging {
		r := &s.readers[o.reader]
		if r.level == t.level {
			best = math.Min(best, (r.x-x)*(r.x-x)+(r.y-y)*(r.y-y)+(r.z-tz)*(r.z-tz))
		}
	}
	if math.IsInf(best, 1) {
		return radiusFallbackM
	}
	return math.Sqrt(best)
}

// radiusSpread and radiusShadow scale the two parts of the radius
// (radius), radiusRoomShare bounds the shadowing part by the room's size;
// the three were chosen together across the robustness family and both
// data sets, with engine seeds 1-4 (44 replays, docs/accuracy.md): the
// triple that puts the most of them at 0.60-0.76 of true positions inside
// the radius, ties broken by the squared distance from 0.68, checked on
// engine seeds 5-8. radiusFallbackM stands
// for the nearest reader's distance in an epoch without ranging readings
// (an RFID portal's read). nominalExponent is the path loss exponent the
// radius assumes for the conversion of dB into distance.
const (
	radiusSpread    = 0.3
	radiusShadow    = 2.8
	radiusRoomShare = 0.55
	radiusFallbackM = 3.0
	nominalExponent = 2.0
)

// nearestIn returns the position of the particle in room nearest to (x, y),
// or (x, y) when the room holds none.
func (t *tracker) nearestIn(room int, x, y float64) (float64, float64) {
	bx, by, best := x, y, math.Inf(1)
	for i := range t.ps {
		p := &t.ps[i]
		if int(p.room) != room {
			continue
		}
		if d := (float64(p.x)-x)*(float64(p.x)-x) + (float64(p.y)-y)*(float64(p.y)-y); d < best {
			bx, by, best = float64(p.x), float64(p.y), d
		}
	}
	return bx, by
}

// stillSpell is what the tag's estimates said since its own cadence last
// said it rests: their mean, each weighted by its precision (the inverse
// of the particles' squared spread). Asset tags beacon slowly while their
// motion sensor says still and fast from the moment they move (the issue's
// tags: every 5 s and every second), so an update that comes spellGapMS or
// more after the previous one is a resting tag's; a faster one ends the
// spell at once, so walkers are never smoothed. The particle filter
// forgets within about a minute (its still particles start walking,
// resampling and recovery redraw them), so its estimate of a tag resting
// for an hour wanders with the last minute's readings; the spell's mean
// remembers all of them. A tag that beacons at one rate whatever it does
// is never in a spell.
type stillSpell struct {
	prev       int64 // event time of the previous update
	sx, sy, sw float64
	level      int32
	n          int32 // estimates in the spell
}

// spellGapMS is the least time between two updates that continues (or
// starts) a still spell: above the 1 s of a moving tag and its jitter and
// lost packets, below the 5 s of a resting one.
const spellGapMS = 3000

// continues reports whether an update on level at event time now belongs
// to the tag's still spell: the previous update was in it (or began it)
// and this one comes spellGapMS or more later.
func (sp *stillSpell) continues(level int, now int64) bool {
	return sp.n > 0 && int(sp.level) == level && now-sp.prev >= spellGapMS
}

// smooth adds the filter's estimate (x, y) on level at event time now,
// with the particles' 68% radius spread, to the spell and returns the
// position to report: the spell's mean while the tag's cadence says it
// rests, else (x, y).
func (sp *stillSpell) smooth(level int, now int64, x, y, spread float64) (float64, float64) {
	rests := now-sp.prev >= spellGapMS
	if !sp.continues(level, now) {
		*sp = stillSpell{level: int32(level)}
	}
	sp.prev = now
	if !rests {
		return x, y
	}
	w := 1 / (spread * spread)
	sp.n++
	sp.sx += w * x
	sp.sy += w * y
	sp.sw += w
	return sp.sx / sp.sw, sp.sy / sp.sw
}

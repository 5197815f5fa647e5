package location

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/paulmach/orb"

	"github.com/hospitalrtls/rtls/floorplans"
)

// pending is a buffered sighting in compact form.
type pending struct {
	ts     int64
	reader int32
	rssi   float32
}

// obs is one reader's evidence about a tag in one epoch: the mean RSSI of
// its new sightings and how many there were.
type obs struct {
	reader int
	rssi   float64
	n      int
}

// particle is one hypothesis of where a tag is, as the filter computes
// with it during an update (between updates a tag keeps its particles as
// pstate).
type particle struct {
	x, y   float32
	vx, vy int16 // velocity (cm/s) while moving: velocity, setVelocity
	w      float32
	room   int16 // room index, -1 when the level has no rooms
	level  int8
	moving bool // motion mode: standing still or walking
}

// pstate is a particle as a tag keeps it between updates, in 6 bytes:
// without its weight, which is the same for every particle after an
// update (resampling draws an equally weighted set) and kept once per tag;
// with its position in 16-bit steps of its room's frame, or its level's in
// no room (posFrame), and
// its room, or its level when it is in none (loc). Whether it walks, and
// its velocity if it does, are kept apart (tracker.mv): most particles
// stand, and a standing particle has no velocity (predict).
type pstate struct {
	x, y uint16
	// loc is the room (whose level is the particle's), or -1-level for a
	// particle in no room.
	loc int16
}

// posFrame is where kept particle positions lie: x = minX + k·unit for k
// in [0, 65535], and y alike. A room's covers its bound (roomFrame); a
// level's, for particles in no room, covers the level's outline,
// rooms and readers with frameMarginM to spare (a level without outline
// or rooms has no other bound on where its particles walk). unit is the
// power of two (so that dividing by it is an exact multiplication) at
// most twice extent/65535: under 4 mm for a level of 150 m, far below the
// filter's jitter (0.15 m) and the wall grid's cells (wallCellM).
type posFrame struct {
	minX, minY, unit, perUnit float64
}

// frameMarginM is how far beyond a level's outline, rooms and readers its
// frame reaches; positions beyond it are kept at its edge.
const frameMarginM = 50.0

// buildFrames sets the frame of every level.
func (s *site) buildFrames() {
	for li := range s.levels {
		l := &s.levels[li]
		b := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
		if len(l.outline) > 0 {
			b = b.Union(l.bound)
		}
		for _, ri := range l.rooms {
			b = b.Union(s.rooms[ri].bound)
		}
		for _, ri := range l.readers {
			b = b.Extend(orb.Point{s.readers[ri].x, s.readers[ri].y})
		}
		if b.Min[0] > b.Max[0] { // nothing on the level: no particle goes there
			b = orb.Bound{}
		}
		b = b.Pad(frameMarginM)
		l.frame = roomFrame(b) // the same steps (the padding keeps it over 1e-3 m)
	}
	for i := range s.rooms {
		s.rooms[i].frame = roomFrame(s.rooms[i].bound)
	}
}

// roomFrame returns the frame of a room's particles: its bound in steps
// of the power of two at most twice its size/65535 (under 0.3 mm for a
// room of 10 m: a level's steps cost the family's room accuracy,
// docs/performance.md).
func roomFrame(b orb.Bound) posFrame {
	unit := math.Exp2(math.Ceil(math.Log2(max(b.Max[0]-b.Min[0], b.Max[1]-b.Min[1], 1e-3) / math.MaxUint16)))
	return posFrame{minX: b.Min[0], minY: b.Min[1], unit: unit, perUnit: 1 / unit}
}

// put returns the steps of the frame nearest to x and y.
func (f *posFrame) put(x, y float32) (uint16, uint16) {
	return frameStep((float64(x) - f.minX) * f.perUnit), frameStep((float64(y) - f.minY) * f.perUnit)
}

// frameStep returns the frame step nearest to k steps, within the frame.
func frameStep(k float64) uint16 {
	k += 0.5
	switch { // not math.Round and the float min and max builtins: they cost
	case k >= math.MaxUint16:
		return math.MaxUint16
	case k > 0:
		return uint16(k)
	}
	return 0
}

// inRoom returns steps kx, ky of position (x, y) in room r, moved one step
// towards (x, y) in either axis or both when the nearest steps lie outside
// it: a kept particle stays on its room's side of a wall (a particle
// across it would be weighed, and walk, from the wrong side). When no
// neighbour is inside, the nearest steps are kept.
func (f *posFrame) inRoom(r *siteRoom, kx, ky uint16, x, y float32) (uint16, uint16) {
	gx, gy := f.get(kx, ky)
	if r.contains(float64(gx), float64(gy)) {
		return kx, ky
	}
	ax, ay := kx, ky // the step on the other side of x and of y
	if gx > x && ax > 0 {
		ax--
	} else if gx < x && ax < math.MaxUint16 {
		ax++
	}
	if gy > y && ay > 0 {
		ay--
	} else if gy < y && ay < math.MaxUint16 {
		ay++
	}
	for _, c := range [3][2]uint16{{ax, ky}, {kx, ay}, {ax, ay}} {
		if cx, cy := f.get(c[0], c[1]); r.contains(float64(cx), float64(cy)) {
			return c[0], c[1]
		}
	}
	return kx, ky
}

// get returns the position of steps kx and ky.
func (f *posFrame) get(kx, ky uint16) (float32, float32) {
	return float32(f.minX + float64(kx)*f.unit), float32(f.minY + float64(ky)*f.unit)
}

// tracker is the state of one tag: a particle filter constrained to the
// map, plus the room and level it reports (with hysteresis).
type tracker struct {
	tag   string
	rooms roomBelief // the room decision's filter (roomfilter.go)
	rng   *rand.Rand
	// pcg is rng's source: uniform draws (unit) call it directly
	pcg *rand.PCG
	// ps are the particles during an update (the worker's buffer, nil
	// between updates); st keeps them between updates, with w0 the weight
	// of every particle, or ws the weight of each when they differ.
	ps []particle
	st []pstate
	// mv tells which particles of st walk, one bit each (particle i is
	// bit i%16 of mv[i/16]), followed by the velocity (vx, vy) of each
	// walking particle in order.
	mv []uint16
	ws []float32
	w0 float32
	// movingW is the share of the weight on walking particles after the
	// last full update.
	movingW float32
	pending []pending
	maxTS   int64 // newest sighting accepted
	done    int64 // end of the last finalised epoch
	// closed is the end of the newest epoch the tag's own watermark (maxTS
	// minus the lateness) has passed, firstEnd the end of the epoch of
	// its oldest pending sighting (math.MaxInt64 when none).
	closed, firstEnd int64
	last             int64 // event time of the last update
	room             int   // reported room, -1 none
	level            int   // reported level
	// altLevel is a level the readers have favoured since altSince.
	altLevel int
	altSince int64
	// wSlow and wFast are long and short averages of the likelihood.
	wSlow, wFast float64
	// estX, estY is the last reported position (hasEst once there is one).
	estX, estY float64
	// pos is the last position reported and heard the ranging readers of
	// its epoch (mean RSSI), for Explain.
	pos   Position
	heard []obs
	// the small fields last, together (no padding between them)
	inDirty, queued bool // in Engine.dirty, in Engine.due or work
	started         bool
	hasEst          bool
	// stillRun counts the last full updates that hardly moved the estimate.
	stillRun int8
	// spell is the evidence of the tag's current still spell (estimate.go).
	spell stillSpell
	// ahead is the tag's next epoch computed ahead of its barrier
	// (Engine.Ahead; nil until the first).
	ahead *ahead
}

func newTracker(tag string, cfg Config, seed uint64) *tracker {
	pcg := rand.NewPCG(seed, 0x9e3779b97f4a7c15)
	return &tracker{tag: tag, rng: rand.New(pcg), pcg: pcg, room: -1, altLevel: -1,
		closed: math.MinInt64, firstEnd: math.MaxInt64}
}

// copyState makes t's filter state (everything an update changes: take,
// step, advance) src's, in t's own buffers. What the arrival of sightings
// changes (pending, maxTS, closed, firstEnd, inDirty, queued) and t's
// identity (tag, random source, ahead) stay t's. A slice added to the
// tracker must be copied here, and handed back in moveState, not shared.
func (t *tracker) copyState(src *tracker) {
	own := t.takeState(src)
	t.st = append(own.st[:0], src.st...)
	t.mv = append(own.mv[:0], src.mv...)
	t.heard = append(own.heard[:0], src.heard...)
	t.ws = copyOrNil(own.ws, src.ws)
	t.rooms.p = copyOrNil(own.rooms.p, src.rooms.p)
}

// moveState makes t's filter state src's, as copyState, but takes src's
// slices instead of copying them and leaves t's old ones to src, whose
// state is then no longer a tag's (a result of Ahead once adopted): no
// copy, and both keep their buffers' capacity.
func (t *tracker) moveState(src *tracker) {
	own := t.takeState(src)
	src.st, src.mv, src.heard, src.ws, src.rooms.p = own.st, own.mv, own.heard, own.ws, own.rooms.p
}

// takeState makes t src, but for t's identity and what the arrival of
// sightings changes (copyState), and returns what t was; its slices are
// src's.
func (t *tracker) takeState(src *tracker) tracker {
	own := *t
	*t = *src
	t.tag, t.rng, t.pcg, t.ahead = own.tag, own.rng, own.pcg, own.ahead
	t.pending, t.maxTS, t.closed, t.firstEnd = own.pending, own.maxTS, own.closed, own.firstEnd
	t.inDirty, t.queued = own.inDirty, own.queued
	*t.pcg = *src.pcg
	return own
}

// copyOrNil returns src's elements in dst's buffer, or nil when src is nil
// (a nil slice means something: uniform weights, no belief yet).
func copyOrNil[T any](dst, src []T) []T {
	if src == nil {
		return nil
	}
	return append(dst[:0], src...)
}

// unit is rand.Rand's Float64 of draw u: unit(t.pcg.Uint64()) is
// t.rng.Float64(), the same draw from the same source, without the call
// through rand.Rand's Source interface (most of the filter's random
// numbers are these).
func unit(u uint64) float64 {
	return float64(u<<11>>11) / (1 << 53)
}

// take removes the pending sightings up to end and aggregates them per
// reader; epochMS is the epoch length.
func (t *tracker) take(end, epochMS int64, out []obs) []obs {
	out = out[:0]
	keep := t.pending[:0]
	t.firstEnd = math.MaxInt64
	for _, p := range t.pending {
		if p.ts > end {
			keep = append(keep, p)
			t.firstEnd = min(t.firstEnd, ceilDiv(p.ts, epochMS)*epochMS)
			continue
		}
		i := slices.IndexFunc(out, func(o obs) bool { return o.reader == int(p.reader) })
		if i < 0 {
			out = append(out, obs{reader: int(p.reader)})
			i = len(out) - 1
		}
		out[i].rssi += float64(p.rssi)
		out[i].n++
	}
	t.pending = keep
	for i := range out {
		out[i].rssi /= float64(out[i].n)
	}
	slices.SortFunc(out, func(a, b obs) int { return a.reader - b.reader })
	return out
}

// step computes the epoch ending at end from its observations.
func (t *tracker) step(e *Engine, end int64, all []obs) (Position, bool) {
	s := e.site
	portal := -1
	var zone *siteReader
	ranging := e.like.ranging[:0]
	for _, o := range all {
		r := &s.readers[o.reader]
		switch {
		case r.ranging:
			ranging = append(ranging, o)
		case r.portalRoom >= 0:
			portal = r.portalRoom
		case r.portalZone != nil:
			zone = r
		}
	}
	e.like.ranging = ranging
	if len(ranging) == 0 && portal < 0 && zone == nil {
		return Position{}, false
	}
	if t.started && portal < 0 && zone == nil && t.still(e, end, ranging) {
		e.stats.StillUpdates++
		t.pos.TS = end
		if e.learnsAt(t.tag, t.pos.RoomProb, end) {
			// the readings still calibrate their readers, as estimate's would
			e.learn(ranging, end, t.estX, t.estY, t.level)
		}
		return t.pos, true
	}
	dt := float64(min(end-t.last, e.cfg.MaxGapMS)) / 1000
	t.last = end
	if cap(e.like.ps) < e.cfg.Particles {
		e.like.ps = make([]particle, e.cfg.Particles)
	}
	t.ps = t.unpack(s, e.like.ps)
	defer t.pack(e)
	switch {
	case !t.started && portal < 0 && zone != nil:
		t.ps = t.ps[:e.cfg.Particles]
		for i := range t.ps {
			t.ps[i] = particle{level: -1} // on no level: confineZone draws them all
		}
		t.confineZone(e, zone)
	case !t.started:
		if !t.seed(e, ranging, portal) {
			return Position{}, false
		}
	default:
		t.predict(e, dt)
	}
	t.started = true
	if portal >= 0 {
		t.confine(e, portal)
	} else if zone != nil {
		t.confineZone(e, zone)
	}
	if len(ranging) > 0 {
		t.weigh(e, ranging)
		t.checkLevel(e, end, ranging)
	}
	px, py, had := t.estX, t.estY, t.hasEst
	t.pos = t.estimate(e, end, portal, ranging)
	t.heard = append(t.heard[:0], ranging...)
	t.movingW = t.movingShare()
	if had && math.Hypot(t.estX-px, t.estY-py) < stillMoveM {
		t.stillRun = min(t.stillRun+1, stillRunMin)
	} else {
		t.stillRun = 0
	}
	return t.pos, true
}

// unpack returns the tag's particles in buf (whose capacity must hold
// them; the update's buffer holds Config.Particles).
func (t *tracker) unpack(s *site, buf []particle) []particle {
	// the tag's and the site's slices in locals: the stores into ps could
	// alias them, so the compiler would load them again for every particle
	st, ws, mv, w0 := t.st, t.ws, t.mv, t.w0
	rooms, levels := s.rooms, s.levels
	ps := buf[:len(st)]
	v := (len(st) + 15) / 16 // the next walking particle's velocity in mv
	for i := range st {
		q := &st[i]
		w := w0
		if ws != nil {
			w = ws[i]
		}
		var f *posFrame
		room, level := q.loc, int8(0)
		if room >= 0 {
			r := &rooms[room]
			level, f = int8(r.level), &r.frame
		} else {
			room, level = -1, int8(-1-q.loc)
			f = &levels[level].frame
		}
		var vx, vy int16
		moving := mv[uint(i)/16]>>(uint(i)%16)&1 != 0
		if moving {
			vx, vy = int16(mv[v]), int16(mv[v+1])
			v += 2
		}
		x, y := f.get(q.x, q.y)
		// written field by field: a copy of a partly written particle
		// would stall on its stores
		p := &ps[i]
		p.x, p.y, p.vx, p.vy, p.w = x, y, vx, vy, w
		p.room, p.level, p.moving = room, level, moving
	}
	return ps
}

// pack keeps the particles of an update in t.st and lets go of t.ps. The
// kept set leaves some room to grow, and gives memory back only when it is
// much too large, so that its size settling (resample) does not allocate.
func (t *tracker) pack(e *Engine) {
	s := e.site
	n := len(t.ps)
	if n > cap(t.st) || cap(t.st) > n+n/2+16 {
		t.st = make([]pstate, n, min(e.cfg.Particles, (n+n/4+15)&^15))
	}
	t.st = t.st[:n]
	bits, walking := (n+15)/16, 0
	for i := range t.ps {
		if t.ps[i].moving {
			walking++
		}
	}
	// the walking particles come and go: mv keeps room for as many again
	// and 16 more, and gives it back only when four times too large
	if need := bits + 2*walking; need > cap(t.mv) || cap(t.mv) > 4*need+64 {
		t.mv = make([]uint16, need, 2*need+32)
	} else {
		t.mv = t.mv[:need]
	}
	clear(t.mv[:bits])
	v := bits // the next walking particle's velocity in mv
	t.ws = t.ws[:0]
	uniform := true
	// in locals, as in unpack
	ps, st, mv, rooms, levels := t.ps, t.st[:n], t.mv, s.rooms, s.levels
	var w0 float32
	if n > 0 {
		w0 = ps[0].w
	}
	for i := range ps {
		p := &ps[i]
		var x, y uint16
		loc := p.room
		if loc >= 0 {
			r := &rooms[loc]
			x, y = r.frame.put(p.x, p.y)
			x, y = r.frame.inRoom(r, x, y, p.x, p.y)
		} else {
			x, y = levels[p.level].frame.put(p.x, p.y)
			loc = -1 - int16(p.level)
		}
		if p.moving {
			mv[uint(i)/16] |= 1 << (uint(i) % 16)
			mv[v], mv[v+1] = uint16(p.vx), uint16(p.vy)
			v += 2
		}
		q := &st[i]
		q.x, q.y, q.loc = x, y, loc
		uniform = uniform && p.w == w0
	}
	if n > 0 {
		t.w0 = w0
	}
	if uniform {
		t.ws = nil
	} else {
		for i := range t.ps {
			t.ws = append(t.ws, t.ps[i].w)
		}
	}
	t.ps = nil
}

// Still tags: an epoch is reported from the tag's last full update,
// without predicting or weighing (its readings still calibrate their
// readers), when the tag stands still (its estimate moved less than
// stillMoveM in each of the last stillRunMin full updates, and at most
// stillMaxMoving of the weight is on walking particles), the ranging
// readers heard are those of the last update (readers within
// stillStrongDB of the strongest reading must be in both) and their
// readings differ from it by no more than fading noise (mean squared
// z-score at most stillChi2), for at most stillMaxSkipMS of event time.
// The next full update predicts over the whole time skipped. Measured on
// the clinic (docs/performance.md): 3 s instead of 2 s, or no learning on
// skipped epochs, cost 2-3% of p90 error.
const (
	stillMaxMoving = 0.1
	stillStrongDB  = 10.0
	stillChi2      = 1.0
	stillMaxSkipMS = 2000
	// stillMoveM and stillRunMin: the estimate must have moved less than
	// stillMoveM in each of the last stillRunMin full updates.
	stillMoveM  = 0.5
	stillRunMin = 3
	// fadingShare is the part of SigmaDB² that varies from reading to
	// reading (the rest, shadowing, stays while the tag stays): as in
	// appendHeard.
	fadingShare = 0.4
)

// still reports whether the epoch ending at end, with readings ranging,
// may be reported from the last full update (see stillMaxMoving).
func (t *tracker) still(e *Engine, end int64, ranging []obs) bool {
	if len(t.heard) == 0 || t.stillRun < stillRunMin || t.movingW > stillMaxMoving || end-t.last > stillMaxSkipMS {
		return false
	}
	strongest := math.Inf(-1)
	for _, o := range ranging {
		strongest = max(strongest, o.rssi)
	}
	for _, o := range t.heard {
		strongest = max(strongest, o.rssi)
	}
	varFade := fadingShare * e.cfg.SigmaDB * e.cfg.SigmaDB
	sum, k := 0.0, 0
	i, j := 0, 0 // both sorted by reader (take)
	for i < len(ranging) || j < len(t.heard) {
		switch {
		case j == len(t.heard) || (i < len(ranging) && ranging[i].reader < t.heard[j].reader):
			if ranging[i].rssi > strongest-stillStrongDB {
				return false // a strong reader the last update did not hear
			}
			i++
		case i == len(ranging) || t.heard[j].reader < ranging[i].reader:
			if t.heard[j].rssi > strongest-stillStrongDB {
				return false // a strong reader of the last update is silent
			}
			j++
		default:
			d := ranging[i].rssi - t.heard[j].rssi
			sum += d * d / (varFade * (1/float64(ranging[i].n) + 1/float64(t.heard[j].n)))
			k++
			i++
			j++
		}
	}
	return k > 0 && sum <= stillChi2*float64(k)
}

// movingShare is the share of the particle weight on walking particles.
func (t *tracker) movingShare() float32 {
	var mv, all float32
	for i := range t.ps {
		all += t.ps[i].w
		if t.ps[i].moving {
			mv += t.ps[i].w
		}
	}
	if !(all > 0) {
		return 1
	}
	return mv / all
}

// confineZone moves the tag into the drawn zone an RFID portal covers:
// particles outside the zone's polygon are redrawn inside it.
func (t *tracker) confineZone(e *Engine, r *siteReader) {
	s := e.site
	z := r.portalZone
	b := z.Bound
	ring := z.Polygon[0]
	for i := range t.ps {
		p := &t.ps[i]
		if int(p.level) == r.level && floorplans.RingContains(ring, orb.Point{float64(p.x), float64(p.y)}) {
			p.w = 1
			continue
		}
		x, y := b.Center()[0], b.Center()[1]
		for try := 0; try < 50; try++ {
			cx := b.Min[0] + unit(t.pcg.Uint64())*(b.Max[0]-b.Min[0])
			cy := b.Min[1] + unit(t.pcg.Uint64())*(b.Max[1]-b.Min[1])
			if _, ok := s.walkable(r.level, cx, cy); ok && floorplans.RingContains(ring, orb.Point{cx, cy}) {
				x, y = cx, cy
				break
			}
		}
		room, _ := s.walkable(r.level, x, y)
		*p = particle{x: float32(x), y: float32(y), w: 1, room: int16(room), level: int8(r.level)}
	}
	t.level = r.level
	t.room = -1
}

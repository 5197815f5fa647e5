package location

import (
	"math"
	"slices"
)

// readerTerm is one observation prepared for the likelihood loop.
type readerTerm struct {
	reader  int // index in site.readers
	x, y, z float64
	a       float64   // rssi at 1 m incl. learned offset
	n5      float64   // 5 * path loss exponent incl. the learned change (for log10 of a squared distance)
	wl      []float64 // learned loss through k walls (Radio.WallLossDB)
	room    int16
	level   int8
	rssi    float64
	inv2s2  float64
	samples int  // readings averaged into rssi
	silent  bool // the reader did not hear the tag this epoch
	sr      *siteReader
}

// weigh multiplies each particle's weight by the likelihood of this
// epoch's readings and resamples when the weights degenerate.
func (t *tracker) weigh(e *Engine, ranging []obs) {
	s := e.site
	cfg := &e.cfg
	rad := e.cal.radio.at(t.last)
	rd := e.appendHeard(e.like.rd[:0], ranging, -1, t.last)
	rd = t.silentReaders(e, ranging, rd)
	e.like.rd = rd
	// A heard reader's likelihood is a Gaussian in the residual mixed with
	// an outlier floor eps; it is evaluated as exp(-min(q, qFloor)) with q
	// the Gaussian's exponent and qFloor where the Gaussian meets the floor
	// (within a factor 2 of the mixture), so that one exp per particle
	// serves all its readers.
	eps := cfg.outlierFloor(rad.sigma)
	qFloor := math.Log((1 - cfg.OutlierProb) / eps)
	heard := 0
	for j := range rd {
		if !rd[j].silent {
			heard++
		}
	}
	scale := math.Pow(1-cfg.OutlierProb, float64(heard))
	invSigma := 1 / rad.sigma
	// the learned miss probability weakens negative evidence, never
	// strengthens it (it is learned where tags are placed well enough to
	// learn from, which is where the silences agreed with the model)
	miss := cfg.MissProb
	if miss < 1 {
		miss = math.Max(miss, rad.MissProb)
	}
	// The loop runs reader by reader over all particles (each particle's
	// factors and exponent terms still accumulate in reader order, so the
	// weights are those of a particle-by-particle loop), with what depends
	// on the reader only hoisted out of the particle loop; a heard
	// reader's exponent is added in the pass that computes its model.
	k := e.like.weighBufs(len(t.ps))
	// in locals: the loops' stores could alias them
	ps, xs, ys, zs, ls, qs, levels, tagH := t.ps, k.x, k.y, k.z, k.l, k.q, s.levels, cfg.TagHeightM
	for i := range ps {
		p := &ps[i]
		xs[i], ys[i], zs[i] = float64(p.x), float64(p.y), levels[p.level].elev+tagH
		ls[i], qs[i] = float64(p.w)*scale, 0
	}
	sens, hit := cfg.SensitivityDBm, 1-miss
	for j := range rd {
		r := &rd[j]
		k.term(e, r, ps, qFloor)
		if r.silent {
			// heard nothing: likely only if the signal fell below the
			// receiver's sensitivity there, or the reading was lost
			mus := k.mu[:len(ls)]
			for i := range ls {
				ls[i] *= miss + hit*normalCDF((sens-mus[i])*invSigma)
			}
		}
	}
	total := 0.0
	for i := range t.ps {
		l := k.l[i] * expNeg(-k.q[i])
		t.ps[i].w = float32(l)
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
	inject := t.surprise(total, len(rd), cfg.Particles)
	if 1/ess < resampleESS*float64(len(t.ps)) || inject > 0 {
		t.resample(e)
	}
	if inject > 0 {
		t.inject(e, ranging, inject)
	}
}

// weighBufs holds weigh's per-particle values: the particle's place (x,
// y, z), its likelihood factor so far (l) and exponent (q), and the model's
// RSSI at it for the reader at hand (mu); floor is the floor loss from the
// reader at hand to each level.
type weighBufs struct {
	x, y, z, l, q, mu []float64
	floor             []float64
}

// weighBufs returns the buffers for n particles.
func (ls *likeScratch) weighBufs(n int) *weighBufs {
	k := &ls.weigh
	if cap(k.x) < n {
		k.x, k.y, k.z = make([]float64, n), make([]float64, n), make([]float64, n)
		k.l, k.q, k.mu = make([]float64, n), make([]float64, n), make([]float64, n)
	}
	k.x, k.y, k.z, k.l, k.q, k.mu = k.x[:n], k.y[:n], k.z[:n], k.l[:n], k.q[:n], k.mu[:n]
	return k
}

// term evaluates reader term r at every particle ps[i]: the RSSI its
// model expects there (mu: the path loss, the walls between them, as
// siteReader.wallsBetween counts them, inlined, and the floors), kept in
// k.mu for a silent reader, or, for a heard one, the clamped exponent of
// its reading's Gaussian, min(res²/2σ², qFloor), added to k.q[i] in the
// same pass.
func (k *weighBufs) term(e *Engine, r *readerTerm, ps []particle, qFloor float64) {
	s := e.site
	k.floor = k.floor[:0]
	for lv := range s.levels {
		f := 0.0
		if lv != int(r.level) {
			f = e.cfg.FloorLossDB * math.Abs(float64(s.levels[r.level].ordinal-s.levels[lv].ordinal))
		}
		k.floor = append(k.floor, f)
	}
	xs, ys, zs, mus, qs, floor := k.x[:len(ps)], k.y[:len(ps)], k.z[:len(ps)], k.mu[:len(ps)], k.q[:len(ps)], k.floor
	rx, ry, rz, a, n5 := r.x, r.y, r.z, r.a, r.n5
	silent, rssi, inv2s2 := r.silent, r.rssi, r.inv2s2
	// The floor loss on the reader's own level is +0, and subtracting +0
	// changes no float64: a particle there skips it.
	lev := r.level
	if r.room < 0 {
		for i := range ps {
			dx, dy, dz := xs[i]-rx, ys[i]-ry, zs[i]-rz
			d2 := dx*dx + dy*dy + dz*dz
			if d2 < 0.09 { // max(d2, 0.09) without the builtin's NaN and signed-zero cases, which cost
				d2 = 0.09
			}
			mu := a - n5*log10Fast(d2)
			if pl := ps[i].level; pl != lev {
				mu -= floor[pl]
			}
			mus[i] = mu
		}
	} else {
		// wl in an array of 16 (a count is below 16, see wallGrid): indexed
		// without a bounds check
		var wl [16]float64
		copy(wl[:], r.wl)
		g, room := r.sr.walls, int(r.room)
		if g == nil {
			g = &noWallGrid
		}
		for i := range ps {
			p := &ps[i]
			x, y := xs[i], ys[i]
			dx, dy, dz := x-rx, y-ry, zs[i]-rz
			d2 := dx*dx + dy*dy + dz*dz
			if d2 < 0.09 {
				d2 = 0.09
			}
			mu := a - n5*log10Fast(d2)
			w := 0
			if int(p.room) != room {
				w = 1
			}
			if p.level != lev {
				mus[i] = mu - wl[w] - floor[p.level]
				continue
			}
			if c, ok := g.count(x, y, int(p.room)); ok {
				w = c
			}
			mus[i] = mu - wl[w&15]
		}
	}
	if silent {
		return
	}
	qs = qs[:len(mus)]
	// a second pass: the model's loop holds more values than there are
	// registers without this one's
	for i, mu := range mus {
		res := rssi - mu
		v := res * res * inv2s2
		if v > qFloor { // min(v, qFloor), as gridLik's mixture
			v = qFloor
		}
		qs[i] += v
	}
}

// noWallGrid has no cell: every lookup in it takes the different-room rule.
var noWallGrid wallGrid

// silentReaders appends the ranging readers of the tag's level near its
// last estimate that should have heard it there but did not: negative
// evidence that keeps a tag out of places where a reader would hear it.
func (t *tracker) silentReaders(e *Engine, heard []obs, rd []readerTerm) []readerTerm {
	s := e.site
	if !t.hasEst || e.cfg.MissProb >= 1 {
		return rd
	}
	for _, ri := range s.levels[t.level].readers {
		if term, ok := t.silentTerm(e, ri, heard); ok {
			rd = append(rd, term)
		}
	}
	return rd
}

// silentRadius is how near the last estimate (m) a reader must be for its
// silence to count as evidence.
const silentRadius = 15.0

// silentTerm returns the term of ranging reader ri of the tag's level when
// it lies near the tag's last estimate, did not hear the tag (not in
// heard) and should have heard it there: negative evidence.
func (t *tracker) silentTerm(e *Engine, ri int, heard []obs) (readerTerm, bool) {
	cfg := &e.cfg
	r := &e.site.readers[ri]
	dx, dy := r.x-t.estX, r.y-t.estY
	if !r.ranging || dx*dx+dy*dy > silentRadius*silentRadius || slices.ContainsFunc(heard, func(o obs) bool { return o.reader == ri }) {
		return readerTerm{}, false
	}
	term := e.term(ri, t.last)
	dz := r.z - (e.site.levels[t.level].elev + cfg.TagHeightM)
	mu := term.a - term.n5*math.Log10(math.Max(dx*dx+dy*dy+dz*dz, 0.09))
	mu -= term.wl[r.wallsBetween(t.level, t.estX, t.estY, t.room)]
	if mu < cfg.SensitivityDBm {
		return readerTerm{}, false // would not have heard it anyway: no information
	}
	term.silent = true
	return term, true
}

// term prepares reader ri for the likelihood of an epoch at t: its place,
// room and level, and its model with the offset and the building's radio
// learned by then.
func (e *Engine) term(ri int, t int64) readerTerm {
	r := &e.site.readers[ri]
	rad := e.cal.radio.at(t)
	return readerTerm{reader: ri, x: r.x, y: r.y, z: r.z, a: r.rssi1m + e.cal.at(ri, t), n5: 5 * (r.n + rad.dn),
		wl: rad.WallLossDB, room: int16(r.room), level: int8(r.level), sr: r}
}

// appendHeard appends the terms of the readings in ranging (only those of
// readers on level, or all when level is -1) for an epoch at t.
func (e *Engine) appendHeard(rd []readerTerm, ranging []obs, level int, t int64) []readerTerm {
	sigma := e.cal.radio.at(t).sigma
	for _, o := range ranging {
		if level >= 0 && e.site.readers[o.reader].level != level {
			continue
		}
		term := e.term(o.reader, t)
		// shadowing does not average out over repeated samples; fading does.
		v := sigma * sigma * readingVar(o.n)
		term.rssi, term.inv2s2, term.samples = o.rssi, 1/(2*v), o.n
		rd = append(rd, term)
	}
	return rd
}

// gridLik multiplies each grid point's l by the likelihood of r's
// reading for a tag at cells[c] (on r's own level, at height z), and sets
// lik[c] to that likelihood and walls[c] to the walls between them, which
// the model takes off (siteReader.wallsBetween, inlined): a Gaussian
// around the path-loss model less the walls, mixed with the outlier floor
// eps. The particle loop in weigh evaluates the same model in its clamped
// form.
func (e *Engine) gridLik(r *readerTerm, cells []learnCell, z, eps float64, lik []float64, walls []uint8) {
	lik, walls = lik[:len(cells)], walls[:len(cells)]
	g, inRoom, room := r.sr.walls, r.room >= 0, int(r.room)
	if g == nil {
		g = &noWallGrid
	}
	rx, ry, rz, a, n5, wl, rssi, inv2s2 := r.x, r.y, r.z, r.a, r.n5, r.wl, r.rssi, r.inv2s2
	hit := 1 - e.cfg.OutlierProb
	for c := range cells {
		cl := &cells[c]
		x, y := cl.x, cl.y
		w := 0
		if inRoom {
			if n, ok := g.count(x, y, int(cl.room)); ok {
				w = n
			} else if int(cl.room) != room {
				w = 1
			}
		}
		dx, dy, dz := x-rx, y-ry, z-rz
		d2 := dx*dx + dy*dy + dz*dz
		if d2 < 0.09 { // max(d2, 0.09), as in term
			d2 = 0.09
		}
		mu := a - n5*log10Fast(d2) - wl[w]
		res := rssi - mu
		l := hit*expNeg(-res*res*inv2s2) + eps
		lik[c], walls[c] = l, uint8(w)
		cl.l *= l
	}
}

// readingVar is the variance of the mean of n samples of one reader, in
// units of a single sample's: shadowing does not average out over repeated
// samples, fading does.
func readingVar(n int) float64 { return 0.6 + 0.4/float64(n) }

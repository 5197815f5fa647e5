package location

import (
	"math"
	"slices"
)

// likeScratch holds per-epoch buffers reused across tags.
type likeScratch struct {
	ps      []particle // the particles of the tag being updated (tracker.unpack)
	rd      []readerTerm
	weigh   weighBufs
	tmp     []particle
	obs     []obs
	ranging []obs
	drawer  drawer
	power   []float64
	bins    kldBins
	// grid points scored by learn and seedGrid, and the likelihood of
	// each reading at each and the walls between its reader and each
	// (gridLik, gridBufs)
	cells []learnCell
	lik   []float64
	walls []uint8
	pw    []float64 // learn's wall-count probabilities
}

// gridBufs returns lik and walls with room for n values each.
func (ls *likeScratch) gridBufs(n int) ([]float64, []uint8) {
	ls.lik, ls.walls = slices.Grow(ls.lik[:0], n)[:n], slices.Grow(ls.walls[:0], n)[:n]
	return ls.lik, ls.walls
}

// surprise tracks how well the particles explain the readings (short and
// long averages of the per-reading likelihood, as in augmented Monte Carlo
// localisation) and returns how many particles to redraw from the readings:
// a few always, many when the tag has clearly moved somewhere the particles
// did not follow. The few are minInjectFrac of a full set (full particles)
// whatever the set's size, so that a set that adapted its size (resample)
// recovers from a wrong room as fast as a full one.
func (t *tracker) surprise(total float64, readings, full int) int {
	// particle weights summed to 1 before this update, so total is the mean likelihood
	l := math.Pow(total, 1/float64(readings))
	if t.wSlow == 0 {
		t.wSlow, t.wFast = l, l
	}
	t.wSlow += 0.05 * (l - t.wSlow)
	t.wFast += 0.3 * (l - t.wFast)
	frac := math.Max(minInjectFrac, 1-t.wFast/t.wSlow)
	return max(int(math.Min(frac, 0.5)*float64(len(t.ps))), int(minInjectFrac*float64(full)))
}

// resampleESS is the effective sample size, as a fraction of the
// particles, below which the set is resampled.
const resampleESS = 0.5

// minInjectFrac of a full set's particles are redrawn from the readings
// every update so that the filter can always recover from a wrong room.
const minInjectFrac = 0.02

// resample draws a new, equally weighted particle set (systematic
// resampling) and jitters copies slightly so they do not collapse. The
// set's size adapts to the posterior (particleCount, KLD-sampling): while
// the tag stands still (its estimate hardly moved in the last updates, see
// stillRunMin) over bins of kldBinM with at least minParticles; while it
// walks over bins as wide as the motion model spreads a walker in one
// epoch (walkBinM), with at least minWalkParticles.
func (t *tracker) resample(e *Engine) {
	// the new set is drawn into the update's other buffer, which then
	// becomes its buffer (both hold Config.Particles): no copy of the old
	tmp := t.ps
	if cap(e.like.tmp) < e.cfg.Particles {
		e.like.tmp = make([]particle, e.cfg.Particles)
	}
	n := e.cfg.Particles
	if t.stillRun >= stillRunMin {
		n = e.like.bins.particleCount(tmp, n, kldBinM, minParticles)
	} else {
		n = e.like.bins.particleCount(tmp, n, e.cfg.walkBinM(), minWalkParticles)
	}
	t.ps = e.like.tmp[:n]
	e.like.ps, e.like.tmp = e.like.tmp, e.like.ps
	step := 1.0 / float64(n)
	u := unit(t.pcg.Uint64()) * step
	c := float64(tmp[0].w)
	j := 0
	for i := 0; i < n; i++ {
		for u > c && j < len(tmp)-1 {
			j++
			c += float64(tmp[j].w)
		}
		// copied whole and its weight set in place: a partly written copy
		// of the particle would stall the store of it
		t.ps[i] = tmp[j]
		t.ps[i].w = float32(step)
		u += step
	}
	// roughen: a small jitter within the particle's room keeps copies apart
	t.jitter(e.site, t.ps, 0.15)
}

// Adaptive particle count (KLD-sampling, Fox 2003): a particle set that
// approximates a posterior occupying k bins to within kldEps (Kullback-
// Leibler divergence, with probability given by kldZ) needs about
// kldCount(k) particles. A still tag's bins are kldBinM squares per level;
// a walking tag's are as wide as the motion model spreads a walker over
// one epoch (Config.walkBinM, 1.87 m at the defaults): finer detail of its
// posterior is blurred by the next prediction anyway. A bin counts when it
// holds at least the weight one particle would carry.
const (
	kldBinM = 1.0
	kldEps  = 0.1
	kldZ    = 2.33 // upper 1% quantile of the standard normal
	// minParticles is the fewest particles a still tag keeps, however
	// tight its posterior: enough to hold a second hypothesis (the next
	// room).
	minParticles = 64
	// minWalkParticles is the fewest a walking tag keeps: the next room
	// and the headings that lead there. Most walkers of the clinic data
	// set sit at it; measured over engine seeds (docs/performance.md,
	// Engine, round 5): 64, 100 and 128 cost the clinic's median and p90
	// error 1-3%, 160 is within the seeds' noise.
	minWalkParticles = 160
)

// walkBinM is the side of a walking tag's KLD bins: how far the next
// prediction spreads a walker whose velocity the set does not know over
// one epoch (predict: a step of about WalkSpeed in any heading, and the
// velocity noise's displacement), at least kldBinM.
func (c *Config) walkBinM() float64 {
	dt := float64(c.EpochMS) / 1000
	return math.Max(kldBinM, math.Hypot(c.WalkSpeed*dt, c.velocityNoise(dt)*dt))
}

// kldBins is a small open-addressing table of the occupied bins.
type kldBins struct {
	keys []uint64
	w    []float32
}

// particleCount returns how many particles the posterior ps (weights
// summing to 1) needs over square bins of binM, within [least, max].
func (b *kldBins) particleCount(ps []particle, max int, binM float64, least int) int {
	size := 1
	for size < 2*len(ps) {
		size *= 2
	}
	if cap(b.keys) < size { // the table only grows: tags' counts differ
		b.keys, b.w = make([]uint64, size), make([]float32, size)
	}
	b.keys, b.w = b.keys[:size], b.w[:size]
	clear(b.keys)
	clear(b.w)
	floor := float32(1 / float64(len(ps)))
	k := 0
	// resampling keeps the copies of a particle together: a run of
	// particles in one bin (key, at h) sums its weight in a register (acc)
	// and writes it back when the run ends
	key, h, acc := uint64(0), -1, float32(0)
	for i := range ps {
		p := &ps[i]
		ix := uint64(floorInt(float64(p.x)/binM)) & 0xfffff
		iy := uint64(floorInt(float64(p.y)/binM)) & 0xfffff
		pk := uint64(uint8(p.level))<<40 | ix<<20 | iy | 1<<63
		if pk != key {
			if h >= 0 {
				b.w[h] = acc
			}
			key = pk
			h = int((key * 0x9e3779b97f4a7c15) >> 40 & uint64(size-1))
			for b.keys[h] != 0 && b.keys[h] != key {
				h = (h + 1) & (size - 1)
			}
			b.keys[h] = key
			acc = b.w[h]
		}
		before := acc
		acc += p.w
		if before < floor && acc >= floor {
			k++
		}
	}
	if h >= 0 {
		b.w[h] = acc
	}
	return min(max, kldCount(k, least))
}

// floorInt is int64(math.Floor(q)) for q within the range of int64,
// inlined (math.Floor is a call on amd64 without SSE4.1 assumed).
func floorInt(q float64) int64 {
	i := int64(q)
	if float64(i) > q {
		i--
	}
	return i
}

// kldCount is the number of particles for a posterior over k bins (the
// Wilson-Hilferty approximation of the chi-square quantile), at least
// least.
func kldCount(k, least int) int {
	if k < 2 {
		return least
	}
	a := 2 / (9 * float64(k-1))
	c := 1 - a + math.Sqrt(a)*kldZ
	return max(least, int(math.Ceil(float64(k-1)/(2*kldEps)*c*c*c)))
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
	d := e.like.drawer.reset(e, t.last, ranging, best)
	for i := range t.ps {
		t.ps[i] = d.draw(t, e)
	}
	t.level, t.room, t.altLevel = best, -1, -1
	t.weigh(e, ranging)
}

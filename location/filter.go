package location

import (
	"math"
)

// likeScratch holds per-epoch buffers reused across tags.
type likeScratch struct {
	rd      []readerTerm
	tmp     []particle
	obs     []obs
	ranging []obs
	drawer  drawer
	power   []float64
	// grid points scored by learn and seedGrid, and learn's per-reading likelihoods
	cells []learnCell
	lik   []float64
	pw    []float64 // learn's wall-count probabilities
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

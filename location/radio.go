package location

import (
	"math"
	"slices"
	"sort"
)

// Radio is the building's radio model as learned from the data stream up
// to some event time: how far the path loss exponent lies from the plan's
// nominal one, the loss through 0, 1, 2, ... walls (the last entry: that
// many or more), and the spread of one reading around the model.
type Radio struct {
	// ExponentDelta is added to every reader's nominal path loss exponent.
	ExponentDelta float64
	// WallLossDB[k] is the loss through k walls (WallLossDB[0] is 0).
	WallLossDB []float64
	// SigmaDB is the spread of a one-sample reading around the model
	// (shadowing, fading and what the model misses), dB.
	SigmaDB float64

	// MissProb is the chance that a reader which should hear a tag (its
	// model well above the sensitivity) reports nothing for an epoch:
	// lost packets, and shadowing the model cannot see.
	MissProb float64

	// dn is the exponent change the likelihood uses (ExponentDelta when
	// Config.LearnExponent, else 0) and sigma the σ it assumes: the
	// learned one, never below Config.SigmaDB (a building quieter than
	// the default is not trusted to be: over-confidence costs more).
	dn, sigma float64
}

// radioObs is one reading judged at a known or estimated place: what
// reader r heard, less its nominal model and learned offset at that
// distance (y = rssi - a - off + 10 n log10 d), its centred log distance
// feature u = -10 (log10 d - radioLogD0), the probability of each wall
// count on the line, and the weight of the reading (1 for one sample,
// more for a mean of several).
type radioObs struct {
	y, u float64
	pw   []float64 // pw[k]: probability of k walls (k >= 1)
	w    float64
}

// radioLearner learns the building's Radio online from radioObs, causally:
// observations are kept in event-time buckets and Radio at t is solved
// from the buckets that ended by t, whatever order observations arrive in
// (tags are processed in any order, so an epoch at t never sees what
// another tag observed after t).
//
// The model is linear in its unknowns, y = b + δn·u - Σ_k L_k·pw[k] +
// noise, with b an intercept (what the per-reader offsets have not
// absorbed yet), δn the exponent change and L_k the loss of k walls; it
// is solved by weighted least squares with a Gaussian prior on each
// unknown (the defaults: nominal exponent, Config.WallLossDB per wall), so
// a building shows its own values as soon as its data say so and the
// prior where they are silent (a building without walls keeps the prior
// wall loss, unused). σ is the weighted RMS residual of the fit. The miss
// probability is a moment estimate from the readers that should have
// heard the tags the calibration learns from (observeSilence).
type radioLearner struct {
	k      int // unknowns: b, δn, L_1..L_maxWalls
	prior  []float64
	priorW []float64 // prior precision in units of one unit-weight reading
	sigma0 float64
	miss0  float64 // the prior miss probability
	// learnExp: the likelihood uses the learned exponent change
	learnExp bool
	buckets  []radioBucket
	dirty    int    // buckets from here on need solving
	prio     *Radio // the model before any observation
	// scratch: a feature vector, a matrix and a vector for solving
	x, a, b []float64
}

// radioBucket holds one bucket's sufficient statistics (xx: XᵀWX packed
// row-major, xy: XᵀWy, yy: yᵀWy, n: weights), the same summed over every
// bucket up to and including it (cum), and the model solved from those.
type radioBucket struct {
	start  int64
	own    radioStats
	cum    radioStats
	solved Radio
}

// radioStats are the sufficient statistics of weighted least squares.
type radioStats struct {
	xx, xy []float64
	yy, n  float64
	// silences: Σ silent, Σ Φ (the chance of silence below the
	// sensitivity), Σ (1-Φ) over readers judged at placed tags
	silent, phi, notPhi float64
}

func newRadioStats(k int) radioStats {
	return radioStats{xx: make([]float64, k*k), xy: make([]float64, k)}
}

// add adds o's statistics to s.
func (s *radioStats) add(o *radioStats) {
	for j := range s.xx {
		s.xx[j] += o.xx[j]
	}
	for j := range s.xy {
		s.xy[j] += o.xy[j]
	}
	s.yy, s.n = s.yy+o.yy, s.n+o.n
	s.silent, s.phi, s.notPhi = s.silent+o.silent, s.phi+o.phi, s.notPhi+o.notPhi
}

// set makes s a copy of o.
func (s *radioStats) set(o *radioStats) {
	copy(s.xx, o.xx)
	copy(s.xy, o.xy)
	s.yy, s.n = o.yy, o.n
	s.silent, s.phi, s.notPhi = o.silent, o.phi, o.notPhi
}

const (
	// radioBucketMS is the event-time granularity of radio learning.
	radioBucketMS = 30_000
	// radioMaxBuckets bounds memory: older buckets are folded into the
	// first (eight hours of 30 s buckets).
	radioMaxBuckets = 960
	// radioLogD0 centres the log distance (log10 of 5 m) so that the
	// intercept and the exponent are nearly independent.
	radioLogD0 = 0.7
	// radioPriorExpSD and radioPriorWallSD are the prior spreads of the
	// exponent change and of each wall count's loss; radioPriorBSD that of
	// the intercept.
	radioPriorExpSD  = 0.4
	radioPriorWallSD = 4.0
	radioPriorBSD    = 3.0
	// radioSigmaN0 is the weight, in readings, of the prior σ in the
	// learned one: a young estimate stays near it.
	radioSigmaN0 = 50.0
	// radioMissN0 is the weight, in reader-epochs, of the prior miss
	// probability; radioMinMiss the least it is learned to be.
	radioMissN0  = 200.0
	radioMinMiss = 0.05
	// radioMaxWallDB bounds what one more wall adds to the loss: the walls
	// of a building that a reader is heard through are not vaults (the
	// readings through many walls are few, and those heard are the
	// lucky ones, which an unbounded fit would over-read).
	radioMaxWallDB = 15.0
	// radioMinSigma and radioMaxSigma bound the learned σ.
	radioMinSigma = 3.0
	radioMaxSigma = 12.0
)

func newRadioLearner(maxWalls int, wallLoss, sigma, miss float64, learnExp bool) *radioLearner {
	k := 2 + maxWalls
	l := &radioLearner{k: k, sigma0: sigma, miss0: miss, learnExp: learnExp, prior: make([]float64, k), priorW: make([]float64, k)}
	s2 := sigma * sigma
	l.priorW[0] = s2 / (radioPriorBSD * radioPriorBSD)
	l.priorW[1] = s2 / (radioPriorExpSD * radioPriorExpSD)
	for j := 2; j < k; j++ {
		l.prior[j] = -wallLoss * float64(j-1) // the coefficient of pw[k] is -L_k
		l.priorW[j] = s2 / (radioPriorWallSD * radioPriorWallSD)
	}
	l.x, l.a, l.b = make([]float64, k), make([]float64, k*k), make([]float64, k)
	l.prio = l.priorRadio()
	return l
}

// observe adds one reading's observation at event time t.
func (l *radioLearner) observe(t int64, o radioObs) {
	i := l.bucket(t)
	s := &l.buckets[i].own
	x := l.x
	x[0], x[1] = 1, o.u
	for j := 2; j < l.k; j++ {
		x[j] = o.pw[j-1]
	}
	for r := 0; r < l.k; r++ {
		s.xy[r] += o.w * x[r] * o.y
		for c := 0; c < l.k; c++ {
			s.xx[r*l.k+c] += o.w * x[r] * x[c]
		}
	}
	s.yy += o.w * o.y * o.y
	s.n += o.w
	l.dirty = min(l.dirty, i)
}

// bucket returns the index of the bucket holding t, adding it (and
// folding the oldest away when there are too many) when needed.
func (l *radioLearner) bucket(t int64) int {
	start := floorDiv(t, radioBucketMS) * radioBucketMS
	i := l.search(start)
	if i < len(l.buckets) && l.buckets[i].start == start {
		return i
	}
	l.buckets = slices.Insert(l.buckets, i, radioBucket{start: start, own: newRadioStats(l.k), cum: newRadioStats(l.k)})
	l.dirty = min(l.dirty, i)
	if len(l.buckets) > radioMaxBuckets {
		l.buckets[1].own.add(&l.buckets[0].own)
		l.buckets = l.buckets[1:]
		l.dirty = max(0, l.dirty-1)
		i--
	}
	return i
}

// search returns the index of the first bucket that starts at or after
// start: slices.BinarySearchFunc's, without a copy of a bucket (a few
// hundred bytes) for every comparison.
func (l *radioLearner) search(start int64) int {
	return sort.Search(len(l.buckets), func(i int) bool { return l.buckets[i].start >= start })
}

// observeSilence adds one ranging reader judged at a placed
// tag at event time t: whether it was silent, and phi, the chance the
// model gives its signal of falling below the sensitivity there.
func (l *radioLearner) observeSilence(t int64, silent bool, phi float64) {
	i := l.bucket(t)
	s := &l.buckets[i].own
	if silent {
		s.silent++
	}
	s.phi += phi
	s.notPhi += 1 - phi
	l.dirty = min(l.dirty, i)
}

// at returns the model for an epoch ending at t: solved from the buckets
// that ended at or before t (the prior before any). The result must not
// be modified.
func (l *radioLearner) at(t int64) *Radio {
	i := l.search(t - radioBucketMS + 1)
	if i == 0 {
		return l.prio
	}
	if l.dirty <= i-1 {
		l.solveTo(i - 1)
	}
	return &l.buckets[i-1].solved
}

// latest returns the model after every bucket.
func (l *radioLearner) latest() *Radio {
	if len(l.buckets) == 0 {
		return l.prio
	}
	l.settle()
	return &l.buckets[len(l.buckets)-1].solved
}

// settle solves every bucket changed since the last solve: afterwards
// at and latest only read (the engine settles before its workers read).
func (l *radioLearner) settle() {
	if n := len(l.buckets); n > 0 && l.dirty < n {
		l.solveTo(n - 1)
	}
}

func (l *radioLearner) priorRadio() *Radio {
	r := &Radio{WallLossDB: make([]float64, l.k-1), SigmaDB: l.sigma0, sigma: l.sigma0, MissProb: l.miss0}
	for j := 2; j < l.k; j++ {
		r.WallLossDB[j-1] = -l.prior[j]
	}
	return r
}

// solveTo brings the cumulative statistics and models of the buckets up
// to and including last up to date.
func (l *radioLearner) solveTo(last int) {
	for i := l.dirty; i <= last; i++ {
		b := &l.buckets[i]
		b.cum.set(&b.own)
		if i > 0 {
			b.cum.add(&l.buckets[i-1].cum)
		}
		b.solved = l.solve(&b.cum)
	}
	l.dirty = max(l.dirty, last+1)
}

// solve returns the posterior mean of the linear model for the statistics s.
func (l *radioLearner) solve(s *radioStats) Radio {
	k := l.k
	a, b := l.a, l.b
	copy(a, s.xx)
	copy(b, s.xy)
	for j := 0; j < k; j++ {
		a[j*k+j] += l.priorW[j]
		b[j] += l.priorW[j] * l.prior[j]
	}
	beta := choleskySolve(a, b, k)
	r := Radio{ExponentDelta: math.Max(-1.5, math.Min(2.5, beta[1])), WallLossDB: make([]float64, k-1), SigmaDB: l.sigma0}
	// losses grow with the walls and are never negative
	prev := 0.0
	for j := 2; j < k; j++ {
		prev = math.Max(prev, math.Min(-beta[j], prev+radioMaxWallDB))
		r.WallLossDB[j-1] = prev
	}
	ss := s.yy // residual sum of squares at beta
	for p := 0; p < k; p++ {
		ss -= 2 * beta[p] * s.xy[p]
		for c := 0; c < k; c++ {
			ss += beta[p] * s.xx[p*k+c] * beta[c]
		}
	}
	s2 := (math.Max(ss, 0) + radioSigmaN0*l.sigma0*l.sigma0) / (s.n + radioSigmaN0)
	r.SigmaDB = math.Max(radioMinSigma, math.Min(radioMaxSigma, math.Sqrt(s2)))
	r.sigma = math.Max(l.sigma0, r.SigmaDB)
	// moments: E[silent] = m + (1-m)·Φ, so m = (Σ silent - Σ Φ) / Σ (1-Φ),
	// with radioMissN0 pseudo-readers at the configured miss probability
	r.MissProb = math.Max(radioMinMiss, math.Min(1, (s.silent-s.phi+radioMissN0*l.miss0)/(s.notPhi+radioMissN0)))
	if l.learnExp {
		r.dn = r.ExponentDelta
	}
	return r
}

// choleskySolve solves a·x = b for a symmetric positive definite k×k
// matrix (row-major); a and b are overwritten, x is returned in b.
func choleskySolve(a, b []float64, k int) []float64 {
	for j := 0; j < k; j++ {
		s := a[j*k+j]
		for p := 0; p < j; p++ {
			s -= a[j*k+p] * a[j*k+p]
		}
		d := math.Sqrt(math.Max(s, 1e-12))
		a[j*k+j] = d
		for i := j + 1; i < k; i++ {
			s := a[i*k+j]
			for p := 0; p < j; p++ {
				s -= a[i*k+p] * a[j*k+p]
			}
			a[i*k+j] = s / d
		}
	}
	for i := 0; i < k; i++ { // L y = b
		s := b[i]
		for p := 0; p < i; p++ {
			s -= a[i*k+p] * b[p]
		}
		b[i] = s / a[i*k+i]
	}
	for i := k - 1; i >= 0; i-- { // Lᵀ x = y
		s := b[i]
		for p := i + 1; p < k; p++ {
			s -= a[p*k+i] * b[p]
		}
		b[i] = s / a[i*k+i]
	}
	return b
}

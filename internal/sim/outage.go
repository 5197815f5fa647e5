package sim

import "math/rand/v2"

// outages are the silent periods of one reader: alternating up and down
// times drawn from exponential distributions with the reader's own random
// stream, generated ahead as queries need them, so they do not depend on
// how time is stepped.
type outages struct {
	rng      *rand.Rand
	upMean   float64 // seconds
	downMean float64
	windows  [][2]float64 // [start, end) of outages, in time order
}

func newOutages(rng *rand.Rand, fraction, downMean float64) outages {
	o := outages{rng: rng}
	if fraction <= 0 {
		return o
	}
	o.downMean = downMean
	o.upMean = downMean * (1 - fraction) / fraction
	if rng.Float64() < fraction { // start in the stationary distribution
		o.windows = append(o.windows, [2]float64{0, rng.ExpFloat64() * downMean})
	}
	return o
}

// down reports whether the reader is silent at time t (seconds).
func (o *outages) down(t float64) bool {
	if o.rng == nil || o.downMean == 0 {
		return false
	}
	for len(o.windows) == 0 || o.windows[len(o.windows)-1][1] <= t {
		end := 0.0
		if n := len(o.windows); n > 0 {
			end = o.windows[n-1][1]
		}
		start := end + o.rng.ExpFloat64()*o.upMean
		o.windows = append(o.windows, [2]float64{start, start + o.rng.ExpFloat64()*o.downMean})
	}
	for _, w := range o.windows {
		if t >= w[0] && t < w[1] {
			return true
		}
	}
	return false
}

// prune forgets outages that ended before t.
func (o *outages) prune(t float64) {
	i := 0
	for i < len(o.windows)-1 && o.windows[i][1] < t {
		i++
	}
	o.windows = o.windows[i:]
}

package location

import "math"

// expNeg approximates exp(x) for x <= 0 by linear interpolation in a table
// (relative error below 1e-4 down to -expNegMin, 0 below). The likelihood
// loop spends most of its time in exp; this is 4-5x cheaper than math.Exp.
func expNeg(x float64) float64 {
	if x <= -expNegMin {
		return 0
	}
	f := -x * expNegScale
	i := int(f)
	frac := f - float64(i)
	return expNegTable[i] + frac*(expNegTable[i+1]-expNegTable[i])
}

const (
	expNegMin   = 30.0
	expNegScale = 128.0
)

var expNegTable = func() []float64 {
	n := int(expNegMin*expNegScale) + 2
	t := make([]float64, n)
	for i := range t {
		t[i] = math.Exp(-float64(i) / expNegScale)
	}
	return t
}()

package sim

import (
	"math"
	"testing"
)

func TestLog10Fast(t *testing.T) {
	for _, x := range []float64{0.25, 0.5, 0.7071, 1, 1.4142, 1.5, 2, 3.3, 9.99, 10, 123.4, 900, 1e6} {
		if got, want := log10Fast(x), math.Log10(x); math.Abs(got-want) > 1e-6 {
			t.Errorf("log10Fast(%g) = %.9f, want %.9f", x, got, want)
		}
	}
	worst := 0.0
	for x := 0.2; x < 2000; x *= 1.0007 {
		worst = math.Max(worst, math.Abs(log10Fast(x)-math.Log10(x)))
	}
	if worst > 1e-6 {
		t.Errorf("worst error %g over [0.2, 2000]", worst)
	}
}

package location

import (
	"math"
	"testing"
)

func TestExpNeg(t *testing.T) {
	for x := 0.0; x > -expNegMin; x -= 0.0137 {
		want := math.Exp(x)
		if got := expNeg(x); math.Abs(got-want) > 1e-4*want+1e-12 {
			t.Fatalf("expNeg(%g) = %g, want %g", x, got, want)
		}
	}
	for _, x := range []float64{-expNegMin, -1e9, math.Inf(-1)} {
		if got := expNeg(x); got != 0 {
			t.Fatalf("expNeg(%g) = %g, want 0", x, got)
		}
	}
}

func BenchmarkExp(b *testing.B) {
	b.Run("math.Exp", func(b *testing.B) {
		s := 0.0
		for i := 0; i < b.N; i++ {
			s += math.Exp(-float64(i%3000) / 100)
		}
		_ = s
	})
	b.Run("expNeg", func(b *testing.B) {
		s := 0.0
		for i := 0; i < b.N; i++ {
			s += expNeg(-float64(i%3000) / 100)
		}
		_ = s
	})
}

func TestLog10Fast(t *testing.T) {
	for x := 0.01; x < 1e5; x *= 1.013 {
		if got, want := log10Fast(x), math.Log10(x); math.Abs(got-want) > 1e-4 {
			t.Fatalf("log10Fast(%g) = %g, want %g", x, got, want)
		}
	}
}

func BenchmarkLog10(b *testing.B) {
	b.Run("math.Log10", func(b *testing.B) {
		s := 0.0
		for i := 0; i < b.N; i++ {
			s += math.Log10(float64(i%3000) + 0.5)
		}
		_ = s
	})
	b.Run("log10Fast", func(b *testing.B) {
		s := 0.0
		for i := 0; i < b.N; i++ {
			s += log10Fast(float64(i%3000) + 0.5)
		}
		_ = s
	})
}

func TestNormalCDF(t *testing.T) {
	for z := -10.0; z < 10; z += 0.0173 {
		want := 0.5 * math.Erfc(-z/math.Sqrt2)
		if got := normalCDF(z); math.Abs(got-want) > 1e-4 {
			t.Fatalf("normalCDF(%g) = %g, want %g", z, got, want)
		}
	}
	for _, z := range []float64{math.Inf(-1), math.Inf(1)} {
		if got, want := normalCDF(z), 0.5*math.Erfc(-z/math.Sqrt2); got != want {
			t.Fatalf("normalCDF(%g) = %g, want %g", z, got, want)
		}
	}
}

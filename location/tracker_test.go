package location

import (
	"math/rand/v2"
	"testing"
)

// TestUnitIsFloat64: unit draws what rand.Rand's Float64 draws from the
// same source, so that calling the PCG directly changes no output.
func TestUnitIsFloat64(t *testing.T) {
	a, b := rand.NewPCG(7, 11), rand.NewPCG(7, 11)
	r := rand.New(b)
	for i := range 10_000 {
		if got, want := unit(a.Uint64()), r.Float64(); got != want {
			t.Fatalf("draw %d: unit %v, rand.Float64 %v", i, got, want)
		}
	}
}

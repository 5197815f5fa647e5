package location

import (
	"math"
	"testing"
)

// TestStillSpell: updates 5 s apart (a resting tag's cadence) report the
// precision-weighted mean of the estimates since the spell began; an
// update 1 s after the previous one (the tag moves) reports its estimate
// and ends the spell; a new level starts a new one.
func TestStillSpell(t *testing.T) {
	var sp stillSpell
	near := func(gx, gy, wx, wy float64) bool { return math.Hypot(gx-wx, gy-wy) < 1e-9 }
	if x, y := sp.smooth(0, 5_000, 1, 1, 1); !near(x, y, 1, 1) {
		t.Fatalf("first estimate: got (%g, %g), want (1, 1)", x, y)
	}
	if !sp.continues(0, 10_000) || sp.continues(0, 6_000) || sp.continues(1, 10_000) {
		t.Fatal("continues: want true 5 s later on the same level only")
	}
	// spread 1 and 2: weights 1 and 1/4
	if x, y := sp.smooth(0, 10_000, 3, 1, 2); !near(x, y, (1+3.0/4)/(1+1.0/4), 1) {
		t.Fatalf("second estimate: got (%g, %g), want the weighted mean", x, y)
	}
	if x, y := sp.smooth(0, 11_000, 7, 7, 1); !near(x, y, 7, 7) || sp.continues(0, 16_000) {
		t.Fatalf("an update 1 s later: got (%g, %g), want (7, 7) and the spell ended", x, y)
	}
	if x, y := sp.smooth(0, 16_000, 5, 5, 1); !near(x, y, 5, 5) {
		t.Fatalf("a new spell: got (%g, %g), want (5, 5)", x, y)
	}
	if x, y := sp.smooth(1, 21_000, 9, 9, 1); !near(x, y, 9, 9) {
		t.Fatalf("another level: got (%g, %g), want (9, 9)", x, y)
	}
}

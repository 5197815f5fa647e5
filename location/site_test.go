package location

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"github.com/hospitalrtls/rtls/floorplans"
)

func TestIsRect(t *testing.T) {
	tests := []struct {
		name string
		ring orb.Ring
		want bool
	}{
		{"rectangle", orb.Ring{{0, 0}, {4, 0}, {4, 3}, {0, 3}, {0, 0}}, true},
		{"rectangle, other winding", orb.Ring{{0, 0}, {0, 3}, {4, 3}, {4, 0}, {0, 0}}, true},
		{"rotated square", orb.Ring{{0, 1}, {1, 0}, {2, 1}, {1, 2}, {0, 1}}, false},
		{"L-shape", orb.Ring{{0, 0}, {4, 0}, {4, 1}, {1, 1}, {1, 3}, {0, 3}, {0, 0}}, false},
		{"degenerate", orb.Ring{{0, 0}, {4, 0}, {4, 0}, {0, 0}, {0, 0}}, false},
		{"not closed", orb.Ring{{0, 0}, {4, 0}, {4, 3}, {0, 3}, {0, 1}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isRect(tt.ring); got != tt.want {
				t.Fatalf("isRect = %v, want %v", got, tt.want)
			}
		})
	}
}

// The bound shortcut for rectangles must agree with the kernel's rule,
// on edges too (every other point is drawn on a 0.5 m lattice, which puts
// many exactly on an edge or vertex).
func TestRoomContainsMatchesRing(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, ring := range []orb.Ring{
		{{0, 0}, {4, 0}, {4, 3}, {0, 3}, {0, 0}},
		{{0, 0}, {4, 0}, {4, 1}, {1, 1}, {1, 3}, {0, 3}, {0, 0}},
	} {
		r := siteRoom{ring: ring, bound: ring.Bound(), rect: isRect(ring)}
		for range 10000 {
			x, y := rng.Float64()*6-1, rng.Float64()*5-1
			if rng.IntN(2) == 0 {
				x, y = float64(rng.IntN(13))/2-1, float64(rng.IntN(11))/2-1
			}
			if got, want := r.contains(x, y), floorplans.RingContains(ring, orb.Point{x, y}); got != want {
				t.Fatalf("contains(%g, %g) = %v, ring says %v", x, y, got, want)
			}
		}
	}
}

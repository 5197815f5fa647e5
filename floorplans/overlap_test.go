package floorplans

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// rect returns an oriented rectangle polygon.
func rect(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}
}

// valid checks and orients a polygon for interiorsOverlap.
func valid(t *testing.T, p orb.Polygon) orb.Polygon {
	t.Helper()
	if !polygonProblems(p, func(msg string) { t.Fatalf("invalid test polygon %v: %s", p, msg) }) {
		t.Fatalf("invalid test polygon %v", p)
	}
	return p
}

func TestInteriorsOverlap(t *testing.T) {
	donut := orb.Polygon{rect(0, 0, 10, 10)[0], rect(3, 3, 7, 7)[0]}
	cases := []struct {
		name string
		a, b orb.Polygon
		want bool
	}{
		// +---+---+
		// | a | b |
		// +---+---+
		{"shared edge", rect(0, 0, 10, 10), rect(10, 0, 20, 10), false},
		//     +---+
		// +---+ b |
		// | a +---+
		// +---+
		{"shared part of an edge", rect(0, 0, 10, 10), rect(10, 5, 20, 15), false},
		//         +---+
		//         | b |
		// +---+---+---+   b's edge covers a's and more
		// | a |
		// +---+
		{"edge inside a longer edge", rect(0, 0, 10, 10), rect(-5, 10, 20, 15), false},
		//     +---+
		//     | b |
		// +---+---+
		// | a |
		// +---+
		{"touching corners", rect(0, 0, 10, 10), rect(10, 10, 20, 20), false},
		{"apart", rect(0, 0, 10, 10), rect(11, 0, 20, 10), false},
		// +---+-+---+
		// | a |x| b |   x = a and b
		// +---+-+---+
		{"crossing edges", rect(0, 0, 10, 10), rect(9, 1, 20, 9), true},
		{"partial overlap sharing edges", rect(0, 0, 10, 10), rect(5, 0, 15, 10), true},
		{"identical", rect(0, 0, 10, 10), rect(0, 0, 10, 10), true},
		// +-------+
		// |  +-+  |
		// |a |b|  |
		// |  +-+  |
		// +-------+
		{"b inside a", rect(0, 0, 10, 10), rect(2, 2, 4, 4), true},
		{"a inside b", rect(2, 2, 4, 4), rect(0, 0, 10, 10), true},
		// +-------+
		// +-+     |
		// |b|  a  |    b inside a, sharing part of a's west edge
		// +-+     |
		// +-------+
		{"inside, sharing an edge", rect(0, 0, 10, 10), rect(0, 2, 2, 4), true},
		// +---/\---+
		// |  /  \  |   the diamond b touches a only at the
		// | <  b > |   middle of a's edges
		// |  \  /  |
		// +---\/---+
		{"inscribed diamond", rect(0, 0, 10, 10), orb.Polygon{{{5, 0}, {10, 5}, {5, 10}, {0, 5}, {5, 0}}}, true},
		// +--------+
		// | a +--+ |
		// |   |b | |    b fills a's hole exactly
		// |   +--+ |
		// +--------+
		{"filling the hole", donut, rect(3, 3, 7, 7), false},
		{"in the hole", donut, rect(4, 4, 6, 6), false},
		{"over the hole's edge", donut, rect(2, 4, 4, 6), true},
		// +---+
		// |   +---+
		// | a | b |   b sits in the notch of the L-shaped a
		// |   +---+
		// |       |
		// +-------+
		{"in a concave notch", orb.Polygon{{{0, 0}, {10, 0}, {10, 5}, {5, 5}, {5, 10}, {0, 10}, {0, 0}}}, rect(5, 5, 10, 10), false},
		{"across a concave notch", orb.Polygon{{{0, 0}, {10, 0}, {10, 5}, {5, 5}, {5, 10}, {0, 10}, {0, 0}}}, rect(4, 4, 10, 10), true},
		// The synthetic clinic's corridor and a room 0.2 m apart.
		{"decimal coordinates apart", rect(0.1, 8.1, 43.9, 10.700000000000001), rect(0.1, 0.1, 5.4, 7.9), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := valid(t, c.a.Clone()), valid(t, c.b.Clone())
			if got := interiorsOverlap(a, b); got != c.want {
				t.Errorf("interiorsOverlap(a, b) = %v, want %v", got, c.want)
			}
			if got := interiorsOverlap(b, a); got != c.want {
				t.Errorf("interiorsOverlap(b, a) = %v, want %v", got, c.want)
			}
		})
	}
}

func TestRingProblem(t *testing.T) {
	cases := []struct {
		name string
		ring orb.Ring
		want string // substring; "" for a valid ring
	}{
		{"square", rect(0, 0, 1, 1)[0], ""},
		// +--+
		// |  +--+
		// |     |   concave, valid
		// +-----+
		{"concave", orb.Ring{{0, 0}, {2, 0}, {2, 1}, {1, 1}, {1, 2}, {0, 2}, {0, 0}}, ""},
		{"triangle", orb.Ring{{0, 0}, {1, 0}, {0, 1}, {0, 0}}, ""},
		// +  +
		//  \/
		//  /\    bow tie
		// +  +
		{"bow tie", orb.Ring{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}, "self-intersects near"},
		// +--+--+
		// |  |  |   figure eight: two squares meeting at a vertex
		// +--+--+   (1,0)... drawn as one ring through (1,1) twice
		{"touching itself at a vertex", orb.Ring{{0, 0}, {1, 1}, {2, 0}, {2, 2}, {1, 1}, {0, 2}, {0, 0}}, "self-intersects"},
		// A vertex touching an edge of the same ring.
		{"vertex on an edge", orb.Ring{{0, 0}, {4, 0}, {4, 2}, {2, 0}, {0, 2}, {0, 0}}, "self-intersects"},
		{"fold back at the start", orb.Ring{{0, 0}, {2, 0}, {2, 2}, {0, 2}, {0, 0}, {-1, 0}, {0, 0}}, "self-intersects"},
		{"collinear", orb.Ring{{0, 0}, {1, 0}, {2, 0}, {0, 0}}, "self-intersects"},
		{"open", orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}}, "ring not closed"},
		{"short", orb.Ring{{0, 0}, {1, 0}, {0, 0}}, "need at least 4"},
		{"NaN", orb.Ring{{0, 0}, {1, 0}, {0, nan()}, {0, 0}}, "non-finite"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, got := ringProblem(c.ring)
			if (c.want == "") != (got == "") || !contains(got, c.want) {
				t.Errorf("ringProblem = %q, want %q", got, c.want)
			}
		})
	}
}

// TestInteriorsOverlapRandom compares interiorsOverlap with simple truths
// on random shapes (fixed seed): for rectangles, interval overlap on both
// axes; for random integer polygons, a point found inside both by sampling
// means they overlap.
func TestInteriorsOverlapRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	coord := func() float64 { return float64(rng.IntN(8)) }
	for range 2000 {
		x0, y0, u0, v0 := coord(), coord(), coord(), coord()
		x1, y1, u1, v1 := x0+1+coord(), y0+1+coord(), u0+1+coord(), v0+1+coord()
		a, b := valid(t, rect(x0, y0, x1, y1)), valid(t, rect(u0, v0, u1, v1))
		want := x0 < u1 && u0 < x1 && y0 < v1 && v0 < y1
		if got := interiorsOverlap(a, b); got != want {
			t.Fatalf("rects %v and %v: overlap = %v, want %v", a, b, got, want)
		}
	}
	tested := 0
	for tested < 300 {
		a, b := randomPolygon(rng), randomPolygon(rng)
		if !polygonProblems(a, func(string) {}) || !polygonProblems(b, func(string) {}) {
			continue
		}
		tested++
		got := interiorsOverlap(a, b)
		for x := 0.125; x < 10; x += 0.25 {
			for y := 0.125; y < 10; y += 0.25 {
				p := orb.Point{x, y}
				if strictlyInside(a, p) && strictlyInside(b, p) && !got {
					t.Fatalf("%v and %v share %v but overlap = false", a, b, p)
				}
			}
		}
	}
}

// randomPolygon returns a random ring of 3-6 integer vertices in 0..9;
// often invalid (self-intersecting), which the caller skips.
func randomPolygon(rng *rand.Rand) orb.Polygon {
	n := 3 + rng.IntN(4)
	r := make(orb.Ring, 0, n+1)
	for range n {
		r = append(r, orb.Point{float64(rng.IntN(10)), float64(rng.IntN(10))})
	}
	return orb.Polygon{append(r, r[0])}
}

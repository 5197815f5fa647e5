package floorplans

import (
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// TestPolygonContainsEdgeRule pins the one containment rule: polygons are
// closed, so a point on an edge or vertex (within 1e-9 m) is inside, for
// the outer ring and for holes alike.
//
//	y
//	6 +-----------------------+ (8,6)
//	  |                       |
//	4 |     +-----+           |
//	  |     |hole |           |
//	3 |     |     |           + (8,3)
//	2 |     +-----+          /
//	  |                    /    slanted edge (6,0)-(8,3)
//	0 +------------------+
//	  0     2     4      6    8  x
func TestPolygonContainsEdgeRule(t *testing.T) {
	outer := orb.Ring{{0, 0}, {6, 0}, {8, 3}, {8, 6}, {0, 6}, {0, 0}}
	hole := orb.Ring{{2, 2}, {2, 4}, {4, 4}, {4, 2}, {2, 2}}
	poly := orb.Polygon{outer, hole}
	nan := math.NaN()
	cases := []struct {
		name string
		pt   orb.Point
		want bool
	}{
		{"interior", orb.Point{1, 1}, true},
		{"outside", orb.Point{9, 1}, false},
		{"left edge", orb.Point{0, 3}, true},
		{"bottom edge", orb.Point{3, 0}, true},
		{"right edge", orb.Point{8, 4}, true},
		{"top edge", orb.Point{5, 6}, true},
		{"vertex", orb.Point{8, 6}, true},
		{"origin vertex", orb.Point{0, 0}, true},
		{"slanted edge", orb.Point{7, 1.5}, true},
		{"just outside the slanted edge", orb.Point{7 + 1e-6, 1.5}, false},
		{"within 1e-9 m outside the left edge", orb.Point{-1e-10, 3}, true},
		{"1e-8 m outside the left edge", orb.Point{-1e-8, 3}, false},
		{"in the hole", orb.Point{3, 3}, false},
		{"on the hole's left edge", orb.Point{2, 3}, true},
		{"on the hole's top edge", orb.Point{3, 4}, true},
		{"on a hole vertex", orb.Point{4, 2}, true},
		{"beside the hole", orb.Point{5, 3}, true},
		{"on the line of the top edge, beyond it", orb.Point{-1, 6}, false},
		{"NaN", orb.Point{nan, 3}, false},
		{"infinite", orb.Point{math.Inf(1), 3}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := PolygonContains(poly, c.pt); got != c.want {
				t.Errorf("PolygonContains(%v) = %v, want %v", c.pt, got, c.want)
			}
			open := orb.Polygon{outer[:len(outer)-1], hole[:len(hole)-1]}
			if got := PolygonContains(open, c.pt); got != c.want {
				t.Errorf("open rings: PolygonContains(%v) = %v, want %v", c.pt, got, c.want)
			}
		})
	}
	if PolygonContains(nil, orb.Point{1, 1}) {
		t.Error("empty polygon contains a point")
	}
}

// TestRingContainsRandom compares RingContains with the plain crossing
// rule away from edges, where the two must agree.
func TestRingContainsRandom(t *testing.T) {
	ring := orb.Ring{{0, 0}, {6, 0}, {8, 3}, {8, 6}, {3, 6}, {3, 3}, {1, 6}, {0, 6}, {0, 0}}
	for i := range 20000 {
		p := orb.Point{float64(i%200)*0.05 - 1 + 0.0123, float64(i/200)*0.08 - 1 + 0.0071}
		crossings := 0
		for k := 1; k < len(ring); k++ {
			a, b := ring[k-1], ring[k]
			if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
				crossings++
			}
		}
		if got, want := RingContains(ring, p), crossings%2 == 1; got != want {
			t.Fatalf("RingContains(%v) = %v, crossing rule says %v", p, got, want)
		}
	}
}

func TestSegments(t *testing.T) {
	//  c
	//  |
	//  a----+----b      ab crosses cd at (1, 0); ef touches ab's end b.
	//  |            e
	//  d            |
	//               f
	a, b, c, d := orb.Point{0, 0}, orb.Point{2, 0}, orb.Point{1, 1}, orb.Point{1, -1}
	if x, ok := SegmentIntersection(a, b, c, d); !ok || x != (orb.Point{1, 0}) {
		t.Errorf("SegmentIntersection = %v, %v; want (1, 0)", x, ok)
	}
	e, f := orb.Point{2, 0}, orb.Point{2, -3}
	if x, ok := SegmentIntersection(a, b, e, f); !ok || x != b {
		t.Errorf("touching: SegmentIntersection = %v, %v; want %v", x, ok, b)
	}
	if _, ok := SegmentIntersection(a, b, orb.Point{0, 1}, orb.Point{2, 1}); ok {
		t.Error("parallel segments intersect")
	}
	if !SegmentsMeet(a, b, e, f) || SegmentsMeet(a, b, orb.Point{3, 0}, orb.Point{4, 0}) {
		t.Error("SegmentsMeet: touching must meet, collinear apart must not")
	}
	if got := SegmentDistance(a, b, orb.Point{3, 0}, orb.Point{4, 0}); got != 1 {
		t.Errorf("SegmentDistance = %v, want 1", got)
	}
	if got := SegmentDistance(a, b, c, d); got != 0 {
		t.Errorf("SegmentDistance of crossing segments = %v", got)
	}
	if got := PointSegmentDistance(orb.Point{1, 2}, a, b); got != 2 {
		t.Errorf("PointSegmentDistance = %v, want 2", got)
	}
}

func TestGrid(t *testing.T) {
	bounds := []orb.Bound{
		{Min: orb.Point{0, 0}, Max: orb.Point{4, 4}},
		{Min: orb.Point{4, 0}, Max: orb.Point{8, 4}},
		{Min: orb.Point{0, 4}, Max: orb.Point{8, 6}},
	}
	g := NewGrid(bounds)
	for _, c := range []struct {
		pt   orb.Point
		want []int32 // every item whose bound holds pt must be listed
	}{
		{orb.Point{1, 1}, []int32{0}},
		{orb.Point{4, 2}, []int32{0, 1}},
		{orb.Point{4, 4}, []int32{0, 1, 2}},
		{orb.Point{7, 5}, []int32{2}},
	} {
		got := g.At(c.pt)
		for _, w := range c.want {
			if !containsIndex(got, w) {
				t.Errorf("At(%v) = %v, missing %d", c.pt, got, w)
			}
		}
		for i := 1; i < len(got); i++ {
			if got[i-1] >= got[i] {
				t.Errorf("At(%v) = %v, not increasing", c.pt, got)
			}
		}
	}
	if got := g.At(orb.Point{9, 1}); got != nil {
		t.Errorf("At(outside) = %v", got)
	}
	if got := g.At(orb.Point{math.NaN(), 1}); got != nil {
		t.Errorf("At(NaN) = %v", got)
	}
	var zero Grid
	if got := zero.At(orb.Point{1, 1}); got != nil {
		t.Errorf("zero Grid: At = %v", got)
	}
}

func containsIndex(xs []int32, x int32) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func TestCleanPolygon(t *testing.T) {
	square := orb.Ring{{0, 0}, {4, 0}, {4, 4}, {0, 4}}
	got, err := CleanPolygon(orb.Polygon{square})
	if err != nil || len(got[0]) != 5 || got[0][4] != got[0][0] {
		t.Fatalf("CleanPolygon(open square) = %v, %v; want it closed", got, err)
	}
	if len(square) != 4 {
		t.Fatal("CleanPolygon modified its input")
	}
	for _, c := range []struct {
		name string
		poly orb.Polygon
		want string
	}{
		{"no rings", nil, "polygon has no rings"},
		{"two points", orb.Polygon{{{0, 0}, {1, 1}}}, "fewer than 3 distinct vertices"},
		{"bow tie", orb.Polygon{{{0, 0}, {1, 1}, {1, 0}, {0, 1}}}, "self-intersects"},
		{"hole outside", orb.Polygon{square, {{5, 5}, {6, 5}, {6, 6}}}, "hole 1: outside the outer ring"},
		{"hole crossing", orb.Polygon{square, {{1, 1}, {5, 1}, {5, 2}, {1, 2}}}, "hole 1: crosses the outer ring"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := CleanPolygon(c.poly)
			var pe *PolygonError
			if !errors.As(err, &pe) || !errors.Is(err, ErrPolygon) || !contains(pe.Msg, c.want) {
				t.Errorf("CleanPolygon = %v, want %q", err, c.want)
			}
		})
	}
}

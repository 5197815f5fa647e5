package route

import (
	"math"
	"slices"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/paulmach/orb"
)

// tol is the geometric tolerance in meters: a point closer than this to a
// line is on it.
const tol = 1e-9

// side is the signed distance of p from the line through a and b:
// positive to the left of a→b, negative to the right.
func side(a, b, p orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	c := dx*(p[1]-a[1]) - dy*(p[0]-a[0])
	if l := math.Hypot(dx, dy); l > 0 {
		return c / l
	}
	return c
}

// onSegment reports whether p lies on the segment ab (within tol).
func onSegment(a, b, p orb.Point) bool {
	return math.Abs(side(a, b, p)) <= tol &&
		p[0] >= math.Min(a[0], b[0])-tol && p[0] <= math.Max(a[0], b[0])+tol &&
		p[1] >= math.Min(a[1], b[1])-tol && p[1] <= math.Max(a[1], b[1])+tol
}

// opposite reports whether u and v are strictly on opposite sides of 0.
func opposite(u, v float64) bool {
	return (u > tol && v < -tol) || (u < -tol && v > tol)
}

// properCross reports whether segments ab and cd cross at one point inside
// both (not merely touching or overlapping).
func properCross(a, b, c, d orb.Point) bool {
	return opposite(side(c, d, a), side(c, d, b)) && opposite(side(a, b, c), side(a, b, d))
}

// boxesMeet reports whether the bounding boxes of ab and cd meet (within tol).
func boxesMeet(a, b, c, d orb.Point) bool {
	return math.Max(a[0], b[0])+tol >= math.Min(c[0], d[0]) &&
		math.Max(c[0], d[0])+tol >= math.Min(a[0], b[0]) &&
		math.Max(a[1], b[1])+tol >= math.Min(c[1], d[1]) &&
		math.Max(c[1], d[1])+tol >= math.Min(a[1], b[1])
}

// param returns where p lies along a→b, 0 at a and 1 at b.
func param(a, b, p orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	if l2 == 0 {
		return 0
	}
	return ((p[0]-a[0])*dx + (p[1]-a[1])*dy) / l2
}

// visible reports whether the segment ab stays in the closed polygon (its
// walls included), given that a and b are in it: one can walk straight
// from a to b without passing through a wall. A segment that crosses an
// edge is blocked; one that only touches the boundary (at a corner it
// passes, along a wall) is cut where it touches, and each piece must have
// its middle in the polygon.
func visible(poly orb.Polygon, a, b orb.Point) bool {
	var buf [8]float64
	ts := append(buf[:0], 0, 1)
	touched := false
	for _, ring := range poly {
		for i := 1; i < len(ring); i++ {
			c, d := ring[i-1], ring[i]
			if !boxesMeet(a, b, c, d) {
				continue
			}
			if properCross(a, b, c, d) {
				return false
			}
			if onSegment(a, b, c) {
				ts, touched = append(ts, param(a, b, c)), true
			}
			if onSegment(c, d, a) || onSegment(c, d, b) {
				touched = true
			}
		}
	}
	if !touched {
		return true
	}
	slices.Sort(ts)
	for i := 1; i < len(ts); i++ {
		if ts[i]-ts[i-1] <= tol {
			continue
		}
		m := (ts[i] + ts[i-1]) / 2
		if !closedContains(poly, orb.Point{a[0] + m*(b[0]-a[0]), a[1] + m*(b[1]-a[1])}) {
			return false
		}
	}
	return true
}

// closedContains reports whether p is in the polygon or on one of its
// rings (the kernel's rule, floorplans.PolygonContains).
func closedContains(poly orb.Polygon, p orb.Point) bool {
	return floorplans.PolygonContains(poly, p)
}

// reflexCorners returns the vertices of the polygon where its free space
// turns by more than 180°: the corners a shortest walk bends around. For
// the outer ring these are its reflex vertices, for a hole its convex ones.
func reflexCorners(poly orb.Polygon) []orb.Point {
	var out []orb.Point
	for i, ring := range poly {
		n := len(ring) - 1 // closed ring: the last point repeats the first
		if n < 3 {
			continue
		}
		// Free space is left of every edge of a counter-clockwise outer ring
		// and of a clockwise hole.
		sign := 1.0
		if (i == 0) != (ring.Orientation() == orb.CCW) {
			sign = -1
		}
		for j := range n {
			prev, v, next := ring[(j+n-1)%n], ring[j], ring[(j+1)%n]
			if sign*side(prev, v, next) < -tol {
				out = append(out, v)
			}
		}
	}
	return out
}

// isRect reports whether the polygon is its bounding box.
func isRect(poly orb.Polygon, b orb.Bound) bool {
	if len(poly) != 1 || len(poly[0]) != 5 {
		return false
	}
	for _, p := range poly[0] {
		if (p[0] != b.Min[0] && p[0] != b.Max[0]) || (p[1] != b.Min[1] && p[1] != b.Max[1]) {
			return false
		}
	}
	return true
}

// inBound reports whether p is in the bound, its edges included.
func inBound(b orb.Bound, p orb.Point) bool {
	return p[0] >= b.Min[0] && p[0] <= b.Max[0] && p[1] >= b.Min[1] && p[1] <= b.Max[1]
}

// dist is the straight-line distance between two points.
func dist(a, b orb.Point) float64 {
	dx, dy := a[0]-b[0], a[1]-b[1]
	return math.Sqrt(dx*dx + dy*dy)
}

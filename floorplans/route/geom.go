package route

import (
	"slices"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/paulmach/orb"
)

// tol is the geometric tolerance in meters: a point closer than this to a
// line is on it.
const tol = 1e-9

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
			if floorplans.SegmentsCross(a, b, c, d) {
				return false
			}
			if floorplans.OnSegment(a, b, c) {
				ts, touched = append(ts, param(a, b, c)), true
			}
			if floorplans.OnSegment(c, d, a) || floorplans.OnSegment(c, d, b) {
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
		if !floorplans.PolygonContains(poly, orb.Point{a[0] + m*(b[0]-a[0]), a[1] + m*(b[1]-a[1])}) {
			return false
		}
	}
	return true
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
			if sign*floorplans.Side(prev, v, next) < -tol {
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

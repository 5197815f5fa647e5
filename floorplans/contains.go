package floorplans

import (
	"math"

	"github.com/paulmach/orb"
)

// The containment rule of the whole tree (see the package README):
// polygons are closed. A point on an edge or a vertex of a ring — within
// 1e-9 m of it — is inside the ring, and inside a polygon whether the edge
// belongs to the outer ring or to a hole. Everything else follows the
// even-odd rule. A point with a NaN coordinate is in nothing.

// RingContains reports whether ring r contains p, its boundary included.
// The ring may be given closed (first point repeated last) or open; its
// edges are taken in order. It does not allocate.
func RingContains(r orb.Ring, p orb.Point) bool {
	in, on := locate(r, p)
	return in || on
}

// PolygonContains reports whether poly contains p: p is in (or on) the
// outer ring and not strictly inside a hole. It does not allocate.
func PolygonContains(poly orb.Polygon, p orb.Point) bool {
	if len(poly) == 0 || !RingContains(poly[0], p) {
		return false
	}
	for _, hole := range poly[1:] {
		if in, on := locate(hole, p); on {
			return true
		} else if in {
			return false
		}
	}
	return true
}

// locate reports whether p is strictly inside ring r (even-odd rule) or
// on its boundary (within tol); on wins.
func locate(r orb.Ring, p orb.Point) (in, on bool) {
	x, y := p[0], p[1]
	j := len(r) - 1
	for i := range r {
		a, b := r[j], r[i]
		j = i
		if x >= min(a[0], b[0])-tol && x <= max(a[0], b[0])+tol &&
			y >= min(a[1], b[1])-tol && y <= max(a[1], b[1])+tol && nearLine(a, b, p) {
			return false, true
		}
		if (a[1] > y) != (b[1] > y) && x < (b[0]-a[0])*(y-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in, false
}

// nearLine reports whether p lies within tol of the line through a and b
// (always, when a == b: the caller has checked p is within tol of both).
func nearLine(a, b, p orb.Point) bool {
	dx, dy := b[0]-a[0], b[1]-a[1]
	c := dx*(p[1]-a[1]) - dy*(p[0]-a[0])
	return math.Abs(c) <= tol*math.Sqrt(dx*dx+dy*dy)
}

package floorplans

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// tol is the geometric tolerance in meters: points closer than this to a
// line are on it.
const tol = 1e-9

// Side is the signed distance of p from the line through a and b:
// positive to the left of a→b, negative to the right.
func Side(a, b, p orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	c := dx*(p[1]-a[1]) - dy*(p[0]-a[0])
	l := math.Hypot(dx, dy)
	if l == 0 {
		return c
	}
	return c / l
}

// OnSegment reports whether p lies on the segment ab (within 1e-9 m).
func OnSegment(a, b, p orb.Point) bool {
	if math.Abs(Side(a, b, p)) > tol {
		return false
	}
	return p[0] >= math.Min(a[0], b[0])-tol && p[0] <= math.Max(a[0], b[0])+tol &&
		p[1] >= math.Min(a[1], b[1])-tol && p[1] <= math.Max(a[1], b[1])+tol
}

// opposite reports whether u and v are strictly on opposite sides of 0.
func opposite(u, v float64) bool {
	return (u > tol && v < -tol) || (u < -tol && v > tol)
}

// SegmentsCross reports whether segments ab and cd cross at a single point
// inside both (not merely touching or overlapping).
func SegmentsCross(a, b, c, d orb.Point) bool {
	return opposite(Side(c, d, a), Side(c, d, b)) && opposite(Side(a, b, c), Side(a, b, d))
}

// SegmentsMeet reports whether segments ab and cd have any point in
// common (within 1e-9 m): crossing, touching or overlapping.
func SegmentsMeet(a, b, c, d orb.Point) bool {
	if !boxesMeet(a, b, c, d) {
		return false
	}
	return SegmentsCross(a, b, c, d) ||
		OnSegment(c, d, a) || OnSegment(c, d, b) || OnSegment(a, b, c) || OnSegment(a, b, d)
}

// boxesMeet reports whether the bounding boxes of ab and cd meet (within tol).
func boxesMeet(a, b, c, d orb.Point) bool {
	return math.Max(a[0], b[0])+tol >= math.Min(c[0], d[0]) &&
		math.Max(c[0], d[0])+tol >= math.Min(a[0], b[0]) &&
		math.Max(a[1], b[1])+tol >= math.Min(c[1], d[1]) &&
		math.Max(c[1], d[1])+tol >= math.Min(a[1], b[1])
}

// SegmentIntersection returns the point where segments ab and cd cross or
// touch; false when they are apart, parallel or collinear. Unlike
// SegmentsMeet it uses no tolerance: it is for counting crossings.
func SegmentIntersection(a, b, c, d orb.Point) (orb.Point, bool) {
	rx, ry := b[0]-a[0], b[1]-a[1]
	sx, sy := d[0]-c[0], d[1]-c[1]
	den := rx*sy - ry*sx
	if den == 0 {
		return orb.Point{}, false
	}
	qx, qy := c[0]-a[0], c[1]-a[1]
	t := (qx*sy - qy*sx) / den
	u := (qx*ry - qy*rx) / den
	if t < 0 || t > 1 || u < 0 || u > 1 {
		return orb.Point{}, false
	}
	return orb.Point{a[0] + t*rx, a[1] + t*ry}, true
}

// PointSegmentDistance returns the distance from p to segment ab.
func PointSegmentDistance(p, a, b orb.Point) float64 {
	return math.Sqrt(dist2ToSegment(p, a, b))
}

// SegmentDistance returns the distance between segments ab and cd: 0 when
// they cross (or, up to rounding, touch). It does not allocate and is
// cheap enough for the engine's per-particle door test.
func SegmentDistance(a, b, c, d orb.Point) float64 {
	if strictlyCross(a, b, c, d) {
		return 0
	}
	return math.Sqrt(min(dist2ToSegment(a, c, d), dist2ToSegment(b, c, d),
		dist2ToSegment(c, a, b), dist2ToSegment(d, a, b)))
}

// strictlyCross reports whether each segment has its ends strictly on
// either side of the other's line (no tolerance).
func strictlyCross(a, b, c, d orb.Point) bool {
	return cross(c, d, a)*cross(c, d, b) < 0 && cross(a, b, c)*cross(a, b, d) < 0
}

// cross is (b-a) x (p-a): positive when p is left of a→b.
func cross(a, b, p orb.Point) float64 {
	return (b[0]-a[0])*(p[1]-a[1]) - (b[1]-a[1])*(p[0]-a[0])
}

// dist2ToSegment returns the squared distance from p to segment ab.
func dist2ToSegment(p, a, b orb.Point) float64 {
	q := closestOnSegment(a, b, p)
	dx, dy := q[0]-p[0], q[1]-p[1]
	return dx*dx + dy*dy
}

// closestOnSegment returns the point of segment ab closest to p.
func closestOnSegment(a, b, p orb.Point) orb.Point {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	if l2 == 0 {
		return a
	}
	t := ((p[0]-a[0])*dx + (p[1]-a[1])*dy) / l2
	t = math.Max(0, math.Min(1, t))
	return orb.Point{a[0] + t*dx, a[1] + t*dy}
}

// finite reports whether every coordinate of pts is finite.
func finite(pts ...orb.Point) bool {
	for _, p := range pts {
		if math.IsNaN(p[0]) || math.IsInf(p[0], 0) || math.IsNaN(p[1]) || math.IsInf(p[1], 0) {
			return false
		}
	}
	return true
}

// maxCoord bounds coordinates (meters from the site origin) so that areas
// and distances cannot overflow.
const maxCoord = 1e7

// coordProblem says what is wrong with the coordinates of pts, or "".
func coordProblem(pts ...orb.Point) string {
	if !finite(pts...) {
		return "non-finite coordinate"
	}
	for _, p := range pts {
		if math.Abs(p[0]) > maxCoord || math.Abs(p[1]) > maxCoord {
			return fmt.Sprintf("coordinate beyond ±%g m", maxCoord)
		}
	}
	return ""
}

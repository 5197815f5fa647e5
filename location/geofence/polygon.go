package geofence

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// polygonProblem says what is wrong with a zone polygon, or "" when it is a
// usable simple polygon.
func polygonProblem(poly orb.Polygon) string {
	if len(poly) == 0 {
		return "no rings; want at least 3 points"
	}
	n := 0
	for i, r := range poly {
		n += len(r)
		if n > MaxZoneVertices {
			return fmt.Sprintf("more than %d vertices", MaxZoneVertices)
		}
		if msg := ringProblem(r); msg != "" {
			if i == 0 {
				return msg
			}
			return fmt.Sprintf("hole %d: %s", i, msg)
		}
	}
	return ""
}

// ringProblem checks one ring given open or closed.
func ringProblem(r orb.Ring) string {
	for i, p := range r {
		if !finite(p[0]) || !finite(p[1]) {
			return fmt.Sprintf("point %d: coordinates not finite", i)
		}
	}
	d := openRing(r)
	if len(d) < 3 {
		return fmt.Sprintf("%d distinct points; want at least 3", len(d))
	}
	if collinear(d) {
		return "zero area: the points lie on a line"
	}
	if i, j, ok := crossingEdges(d); ok {
		return fmt.Sprintf("edges %d and %d cross", i, j)
	}
	closed := append(append(orb.Ring(nil), d...), d[0])
	if planar.Area(closed) == 0 {
		return "zero area"
	}
	return ""
}

// collinear reports whether every point of d lies on the line through its
// first two.
func collinear(d orb.Ring) bool {
	for _, p := range d[2:] {
		if cross(d[0], d[1], p) != 0 {
			return false
		}
	}
	return true
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// openRing returns the ring's distinct consecutive points without the
// closing point.
func openRing(r orb.Ring) orb.Ring {
	d := make(orb.Ring, 0, len(r))
	for _, p := range r {
		if len(d) == 0 || p != d[len(d)-1] {
			d = append(d, p)
		}
	}
	for len(d) > 1 && d[len(d)-1] == d[0] {
		d = d[:len(d)-1]
	}
	return d
}

// closePolygon returns a copy of poly whose rings are closed and free of
// repeated points, as orb's planar functions expect.
func closePolygon(poly orb.Polygon) orb.Polygon {
	out := make(orb.Polygon, len(poly))
	for i, r := range poly {
		d := openRing(r)
		out[i] = append(d, d[0])
	}
	return out
}

// crossingEdges finds two edges of the open ring d that meet other than at
// the vertex adjacent edges share. It compares every pair of edges.
func crossingEdges(d orb.Ring) (int, int, bool) {
	n := len(d)
	edge := func(i int) (orb.Point, orb.Point) { return d[i], d[(i+1)%n] }
	for i := 0; i < n; i++ {
		a, b := edge(i)
		for j := i + 1; j < n; j++ {
			c, e := edge(j)
			adjacent := j == i+1 || (i == 0 && j == n-1)
			if adjacent {
				if foldsBack(a, b, c, e, j == i+1) {
					return i, j, true
				}
				continue
			}
			if segmentsMeet(a, b, c, e) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

// foldsBack reports whether two adjacent edges a-b and c-e overlap along a
// line. next says c-e follows a-b (b == c); otherwise e == a.
func foldsBack(a, b, c, e orb.Point, next bool) bool {
	v, p, q := b, a, e // shared vertex b: edges to a and to e
	if !next {
		v, p, q = a, b, c // shared vertex a: edges to b and to c
	}
	if cross(v, p, q) != 0 {
		return false
	}
	return (p[0]-v[0])*(q[0]-v[0])+(p[1]-v[1])*(q[1]-v[1]) > 0
}

// cross is the z component of (p-v) x (q-v).
func cross(v, p, q orb.Point) float64 {
	return (p[0]-v[0])*(q[1]-v[1]) - (p[1]-v[1])*(q[0]-v[0])
}

// segmentsMeet reports whether segments a-b and c-d share a point.
func segmentsMeet(a, b, c, d orb.Point) bool {
	d1, d2 := cross(a, b, c), cross(a, b, d)
	d3, d4 := cross(c, d, a), cross(c, d, b)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return (d1 == 0 && onSegment(a, b, c)) || (d2 == 0 && onSegment(a, b, d)) ||
		(d3 == 0 && onSegment(c, d, a)) || (d4 == 0 && onSegment(c, d, b))
}

// onSegment reports whether p, collinear with a-b, lies within its box.
func onSegment(a, b, p orb.Point) bool {
	return min(a[0], b[0]) <= p[0] && p[0] <= max(a[0], b[0]) &&
		min(a[1], b[1]) <= p[1] && p[1] <= max(a[1], b[1])
}

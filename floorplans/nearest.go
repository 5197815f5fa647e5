package floorplans

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// insideNudge is how far NearestPointInRoom moves a boundary point into
// the room.
const insideNudge = 0.05

// minNudge is the smallest move tried before falling back to a vertex.
const minNudge = 1e-4

// NearestPointInRoom returns pt itself when it is inside the room (or on
// its boundary); otherwise the point of the room's boundary closest to pt,
// moved 5 cm into the room (less where the room is too narrow there; in a
// sliver, the nearest vertex). A nil room or non-finite point returns pt.
// It does not allocate.
func NearestPointInRoom(r *Room, pt orb.Point) orb.Point {
	if r == nil || !finite(pt) || PolygonContains(r.Polygon, pt) {
		return pt
	}
	e := closestOnBoundary(r.Polygon, pt)
	q := e.q
	for _, dir := range [...]orb.Point{
		unit(q[0]-pt[0], q[1]-pt[1]),                 // straight on, across the wall
		unit(-(e.b[1] - e.a[1]), e.b[0]-e.a[0]),      // square into the room
		unit(r.Centroid[0]-q[0], r.Centroid[1]-q[1]), // towards the middle
	} {
		for d := insideNudge; d > minNudge; d /= 2 {
			c := orb.Point{q[0] + d*dir[0], q[1] + d*dir[1]}
			if PolygonContains(r.Polygon, c) {
				return c
			}
		}
	}
	// A vertex is on the boundary exactly, which q may miss by rounding.
	if planar.DistanceSquared(q, e.a) <= planar.DistanceSquared(q, e.b) {
		return e.a
	}
	return e.b
}

// nearest is the point q of edge ab of a polygon closest to some point,
// at distance d.
type nearest struct {
	q, a, b orb.Point
	d       float64
}

// closestOnBoundary returns the point of the polygon's rings closest to pt.
func closestOnBoundary(poly orb.Polygon, pt orb.Point) nearest {
	best, bestD2 := nearest{}, math.Inf(1)
	for _, r := range poly {
		for i := 1; i < len(r); i++ {
			c := closestOnSegment(r[i-1], r[i], pt)
			if d2 := planar.DistanceSquared(c, pt); d2 < bestD2 {
				best, bestD2 = nearest{q: c, a: r[i-1], b: r[i]}, d2
			}
		}
	}
	best.d = math.Sqrt(bestD2)
	return best
}

// unit returns (dx, dy) scaled to length 1, or zero.
func unit(dx, dy float64) orb.Point {
	l := math.Hypot(dx, dy)
	if l == 0 {
		return orb.Point{}
	}
	return orb.Point{dx / l, dy / l}
}

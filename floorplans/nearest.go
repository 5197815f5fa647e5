package floorplans

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// insideNudge is how far NearestPointInRoom moves a boundary point into
// the room.
const insideNudge = 0.05

// DistanceToRoom returns the distance in meters from pt to the room: 0 when
// pt is inside or on its boundary, +Inf for a nil room, NaN for a
// non-finite point. It does not allocate.
func DistanceToRoom(r *Room, pt orb.Point) float64 {
	if r == nil {
		return math.Inf(1)
	}
	if !finite(pt) {
		return math.NaN()
	}
	if planar.PolygonContains(r.Polygon, pt) {
		return 0
	}
	_, d := closestOnBoundary(r.Polygon, pt)
	return d
}

// NearestPointInRoom returns pt itself when it is inside the room (or on
// its boundary); otherwise the point of the room's boundary closest to pt,
// moved 5 cm into the room (or less, or not at all, where the room is too
// narrow there). A nil room or non-finite point returns pt. It does not
// allocate.
func NearestPointInRoom(r *Room, pt orb.Point) orb.Point {
	if r == nil || !finite(pt) || planar.PolygonContains(r.Polygon, pt) {
		return pt
	}
	q, _ := closestOnBoundary(r.Polygon, pt)
	for _, dir := range [...]orb.Point{
		unit(q[0]-pt[0], q[1]-pt[1]), // straight on, across the wall
		inwardNormal(r.Polygon, q),   // square into the room
		unit(r.Centroid[0]-q[0], r.Centroid[1]-q[1]),
	} {
		for d := insideNudge; d > insideNudge/8; d /= 2 {
			c := orb.Point{q[0] + d*dir[0], q[1] + d*dir[1]}
			if planar.PolygonContains(r.Polygon, c) {
				return c
			}
		}
	}
	return q
}

// closestOnBoundary returns the point of the polygon's rings closest to
// pt, and its distance.
func closestOnBoundary(poly orb.Polygon, pt orb.Point) (orb.Point, float64) {
	best, bestD2 := orb.Point{}, math.Inf(1)
	for _, r := range poly {
		for i := 1; i < len(r); i++ {
			c := closestOnSegment(r[i-1], r[i], pt)
			if d2 := planar.DistanceSquared(c, pt); d2 < bestD2 {
				best, bestD2 = c, d2
			}
		}
	}
	return best, math.Sqrt(bestD2)
}

// inwardNormal returns the unit normal pointing into the polygon of the
// edge that holds boundary point q (rings are oriented so that the
// interior is on the left of each edge).
func inwardNormal(poly orb.Polygon, q orb.Point) orb.Point {
	for _, r := range poly {
		for i := 1; i < len(r); i++ {
			if onSegment(r[i-1], r[i], q) {
				return unit(-(r[i][1] - r[i-1][1]), r[i][0]-r[i-1][0])
			}
		}
	}
	return orb.Point{}
}

// unit returns (dx, dy) scaled to length 1, or zero.
func unit(dx, dy float64) orb.Point {
	l := math.Hypot(dx, dy)
	if l == 0 {
		return orb.Point{}
	}
	return orb.Point{dx / l, dy / l}
}

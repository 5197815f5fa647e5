package floorplans

import (
	"cmp"
	"slices"

	"github.com/paulmach/orb"
)

// checkOverlaps reports rooms of one level whose interiors overlap. Rooms
// are swept in order of their bounds' west edge so that only pairs whose
// bounds share some area are compared exactly.
func (f *features) checkOverlaps(p *Plan) {
	perLevel := make(map[string][]*Room)
	for _, r := range p.Rooms {
		if f.usable(r, "geometry") && f.usable(r, "level") && f.usable(r, "id") && r.Level != "" {
			perLevel[r.Level] = append(perLevel[r.Level], r)
		}
	}
	for _, rooms := range perLevel {
		slices.SortStableFunc(rooms, func(a, b *Room) int { return cmp.Compare(a.Bound.Min[0], b.Bound.Min[0]) })
		for i, a := range rooms {
			for _, b := range rooms[i+1:] {
				if b.Bound.Min[0] >= a.Bound.Max[0]-tol {
					break
				}
				if boundsShareArea(a.Bound, b.Bound) && interiorsOverlap(a.Polygon, b.Polygon) {
					f.reportOverlap(a, b)
				}
			}
		}
	}
}

// reportOverlap reports the pair on the room that comes later in the files.
func (f *features) reportOverlap(a, b *Room) {
	oa, ob := f.origins[a], f.origins[b]
	if cmp.Or(cmp.Compare(oa.file, ob.file), cmp.Compare(oa.index, ob.index)) > 0 {
		a, b = b, a
	}
	f.problem(b, "geometry", "overlaps room "+a.ID)
}

// boundsShareArea reports whether two bounds overlap by more than an edge.
func boundsShareArea(a, b orb.Bound) bool {
	return a.Min[0] < b.Max[0]-tol && b.Min[0] < a.Max[0]-tol &&
		a.Min[1] < b.Max[1]-tol && b.Min[1] < a.Max[1]-tol
}

// interiorsOverlap reports whether the interiors of two valid, oriented
// polygons (see polygonProblems) share some area. Sharing an edge or a
// vertex is not overlapping. The boundaries either cross properly (then
// they overlap), or they only touch; then the interiors overlap exactly
// when a piece of one boundary runs through the other's interior, or both
// boundaries run along the same piece with their interiors on the same side.
func interiorsOverlap(a, b orb.Polygon) bool {
	for _, ra := range a {
		for _, rb := range b {
			if ringsCross(ra, rb) {
				return true
			}
		}
	}
	return boundaryInside(a, b) || boundaryInside(b, a)
}

// boundaryInside splits each edge of a at the vertices of b lying on it and
// reports whether a piece lies in b's interior or along b's boundary in the
// same direction (interiors on the same side).
func boundaryInside(a, b orb.Polygon) bool {
	var ts []float64
	for _, ra := range a {
		for i := 1; i < len(ra); i++ {
			p, q := ra[i-1], ra[i]
			ts = splitParams(ts[:0], p, q, b)
			for k := 1; k < len(ts); k++ {
				u, v := lerp(p, q, ts[k-1]), lerp(p, q, ts[k])
				switch alongBoundary(u, v, b) {
				case 1:
					return true
				case -1:
					continue
				}
				if strictlyInside(b, lerp(u, v, 0.5)) {
					return true
				}
			}
		}
	}
	return false
}

// splitParams returns 0, 1 and the sorted parameters along pq of the
// vertices of b that lie on pq.
func splitParams(ts []float64, p, q orb.Point, b orb.Polygon) []float64 {
	ts = append(ts, 0, 1)
	dx, dy := q[0]-p[0], q[1]-p[1]
	l2 := dx*dx + dy*dy
	for _, r := range b {
		for _, v := range r[1:] {
			if OnSegment(p, q, v) {
				t := ((v[0]-p[0])*dx + (v[1]-p[1])*dy) / l2
				if t > 0 && t < 1 {
					ts = append(ts, t)
				}
			}
		}
	}
	slices.Sort(ts)
	return ts
}

// alongBoundary returns 1 if segment uv lies on an edge of b running the
// same way, -1 if on one running the other way, 0 if on none.
func alongBoundary(u, v orb.Point, b orb.Polygon) int {
	for _, r := range b {
		for j := 1; j < len(r); j++ {
			c, d := r[j-1], r[j]
			if OnSegment(c, d, u) && OnSegment(c, d, v) {
				if (v[0]-u[0])*(d[0]-c[0])+(v[1]-u[1])*(d[1]-c[1]) > 0 {
					return 1
				}
				return -1
			}
		}
	}
	return 0
}

// strictlyInside reports whether m is inside poly and not on its boundary.
func strictlyInside(poly orb.Polygon, m orb.Point) bool {
	if !PolygonContains(poly, m) {
		return false
	}
	return closestOnBoundary(poly, m).d > tol
}

func lerp(p, q orb.Point, t float64) orb.Point {
	return orb.Point{p[0] + t*(q[0]-p[0]), p[1] + t*(q[1]-p[1])}
}

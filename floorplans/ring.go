package floorplans

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// ErrPolygon is matched (errors.Is) by every *PolygonError.
var ErrPolygon = errors.New("floorplans: invalid polygon")

// PolygonError says what is wrong with a polygon given to CleanPolygon.
type PolygonError struct {
	// Msg lists the problems, each prefixed "hole N: " when about a hole.
	Msg string
}

// Error returns the message prefixed with the package name.
func (e *PolygonError) Error() string { return ErrPolygon.Error() + ": " + e.Msg }

// Is reports whether target is ErrPolygon.
func (e *PolygonError) Is(target error) bool { return target == ErrPolygon }

// CleanPolygon checks that poly is a usable simple polygon and returns a
// copy whose rings are closed and free of repeated consecutive points, in
// the orientation given. Rings may be given open or closed. Every ring
// needs at least 3 distinct vertices, finite coordinates within ±1e7 m, a
// non-zero area and no edge meeting another except where adjacent edges
// share a vertex; holes must lie inside the outer ring and not cross it or
// each other. Otherwise it returns a *PolygonError.
func CleanPolygon(poly orb.Polygon) (orb.Polygon, error) {
	out := slices.Clone(poly)
	var msgs []string
	if !checkRings(out, cleanRing, func(msg string) { msgs = append(msgs, msg) }) {
		return nil, &PolygonError{Msg: strings.Join(msgs, "; ")}
	}
	return out, nil
}

// ringProblem checks one GeoJSON linear ring (closed, at least 4
// positions) and returns what is wrong with it, or "". On success it
// returns the ring without repeated consecutive points.
func ringProblem(r orb.Ring) (orb.Ring, string) {
	if msg := coordProblem(r...); msg != "" {
		return nil, msg
	}
	if len(r) < 4 {
		return nil, fmt.Sprintf("ring has %d points, need at least 4", len(r))
	}
	if !r.Closed() {
		return nil, "ring not closed"
	}
	return cleanRing(r)
}

// cleanRing checks one ring given open or closed and returns what is wrong
// with it, or "". On success it returns the ring closed and without
// repeated consecutive points.
func cleanRing(r orb.Ring) (orb.Ring, string) {
	if msg := coordProblem(r...); msg != "" {
		return nil, msg
	}
	d := dedupe(r)
	if len(d) < 4 {
		return nil, "ring has fewer than 3 distinct vertices"
	}
	if p, ok := selfIntersection(d); ok {
		return nil, fmt.Sprintf("ring self-intersects near (%.3f, %.3f)", p[0], p[1])
	}
	if _, a := planar.CentroidArea(d); a == 0 {
		return nil, "ring has zero area"
	}
	return d, ""
}

// dedupe returns r without repeated consecutive points, closed.
func dedupe(r orb.Ring) orb.Ring {
	d := make(orb.Ring, 0, len(r)+1)
	for i, p := range r {
		if i == 0 || p != r[i-1] {
			d = append(d, p)
		}
	}
	if len(d) > 1 && d[0] != d[len(d)-1] {
		d = append(d, d[0])
	}
	return d
}

// selfIntersection finds where a closed ring without repeated points meets
// itself: two non-adjacent edges that meet, or two adjacent edges that
// fold back onto each other. Edges are swept in order of their west end so
// that only edges whose x ranges overlap are compared.
func selfIntersection(r orb.Ring) (orb.Point, bool) {
	n := len(r) - 1 // edges; edge i runs from r[i] to r[i+1]
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	west := func(i int) float64 { return min(r[i][0], r[i+1][0]) }
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(west(a), west(b)) })
	for k, i := range order {
		east := max(r[i][0], r[i+1][0]) + tol
		for _, j := range order[k+1:] {
			if west(j) > east {
				break
			}
			if p, ok := edgesMeet(r, n, min(i, j), max(i, j)); ok {
				return p, true
			}
		}
	}
	return orb.Point{}, false
}

// edgesMeet reports whether edges i < j of a ring with n edges meet other
// than at the vertex adjacent edges share.
func edgesMeet(r orb.Ring, n, i, j int) (orb.Point, bool) {
	a, b, c, d := r[i], r[i+1], r[j], r[j+1]
	switch {
	case j == i+1: // b == c
		return b, foldsBack(b, a, d)
	case i == 0 && j == n-1: // d == a
		return a, foldsBack(a, b, c)
	}
	return c, SegmentsMeet(a, b, c, d)
}

// foldsBack reports whether the edges from shared vertex v to p and to q
// overlap: q lies on the line through v and p, on p's side of v.
func foldsBack(v, p, q orb.Point) bool {
	if abs(Side(v, p, q)) > tol {
		return false
	}
	return (p[0]-v[0])*(q[0]-v[0])+(p[1]-v[1])*(q[1]-v[1]) > 0
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// polygonProblems checks every ring of a GeoJSON polygon and reports each
// problem through report (with "hole N: " before the messages about
// holes). On success the polygon's rings are cleaned and oriented: outer
// ring counter-clockwise, holes clockwise (interior on the left of every
// edge).
func polygonProblems(poly orb.Polygon, report func(msg string)) bool {
	if !checkRings(poly, ringProblem, report) {
		return false
	}
	orient(poly)
	return true
}

// checkRings checks every ring of a polygon with check, replacing it with
// the cleaned ring, then the holes against the outer ring and each other.
// It reports each problem through report.
func checkRings(poly orb.Polygon, check func(orb.Ring) (orb.Ring, string), report func(msg string)) bool {
	if len(poly) == 0 {
		report("polygon has no rings")
		return false
	}
	ok := true
	for i, r := range poly {
		d, msg := check(r)
		if msg != "" {
			report(ringPrefix(i) + msg)
			ok = false
			continue
		}
		poly[i] = d
	}
	if !ok {
		return false
	}
	for i := 1; i < len(poly); i++ {
		if msg := holeProblem(poly, i); msg != "" {
			report(ringPrefix(i) + msg)
			ok = false
		}
	}
	return ok
}

// holeProblem checks that hole i lies inside the outer ring and crosses
// neither it nor an earlier hole.
func holeProblem(poly orb.Polygon, i int) string {
	for j := 0; j < i; j++ {
		if ringsCross(poly[i], poly[j]) {
			if j == 0 {
				return "crosses the outer ring"
			}
			return fmt.Sprintf("crosses hole %d", j)
		}
	}
	if !RingContains(poly[0], poly[i][0]) {
		return "outside the outer ring"
	}
	return ""
}

// ringsCross reports whether an edge of a properly crosses an edge of b.
func ringsCross(a, b orb.Ring) bool {
	for i := 1; i < len(a); i++ {
		for j := 1; j < len(b); j++ {
			if boxesMeet(a[i-1], a[i], b[j-1], b[j]) && SegmentsCross(a[i-1], a[i], b[j-1], b[j]) {
				return true
			}
		}
	}
	return false
}

func ringPrefix(i int) string {
	if i == 0 {
		return ""
	}
	return fmt.Sprintf("hole %d: ", i)
}

// orient makes the outer ring counter-clockwise and holes clockwise.
func orient(poly orb.Polygon) {
	for i, r := range poly {
		if (i == 0) != (r.Orientation() == orb.CCW) {
			r.Reverse()
		}
	}
}

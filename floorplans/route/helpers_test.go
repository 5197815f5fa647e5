package route

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/paulmach/orb"
)

// The helpers below write small plans as GeoJSON (FORMATS.md) and parse
// them with floorplans.Parse, as a site's file would be.

// levelFeat returns a level with a 1 km square outline.
func levelFeat(id string, ordinal int) string {
	return fmt.Sprintf(`{"type":"Feature","properties":{"type":"level","id":%q,"name":%q,"ordinal":%d},`+
		`"geometry":{"type":"Polygon","coordinates":[[[-500,-500],[500,-500],[500,500],[-500,500],[-500,-500]]]}}`,
		id, id, ordinal)
}

// roomFeat returns a room whose polygon has the given rings, each a list
// of x, y pairs (the ring is closed for the caller).
func roomFeat(id, level, category string, rings ...[]float64) string {
	var rs []string
	for _, r := range rings {
		var pts []string
		for i := 0; i+1 < len(r); i += 2 {
			pts = append(pts, fmt.Sprintf("[%v,%v]", r[i], r[i+1]))
		}
		rs = append(rs, "["+strings.Join(append(pts, pts[0]), ",")+"]")
	}
	return fmt.Sprintf(`{"type":"Feature","properties":{"type":"room","id":%q,"name":%q,"level":%q,"category":%q},`+
		`"geometry":{"type":"Polygon","coordinates":[%s]}}`, id, id, level, category, strings.Join(rs, ","))
}

// rectFeat returns a rectangular room.
func rectFeat(id, level, category string, x0, y0, x1, y1 float64) string {
	return roomFeat(id, level, category, []float64{x0, y0, x1, y0, x1, y1, x0, y1})
}

// doorFeat returns a door joining rooms a and b, opening from (x0, y0) to (x1, y1).
func doorFeat(level, a, b string, x0, y0, x1, y1 float64) string {
	return fmt.Sprintf(`{"type":"Feature","properties":{"type":"door","level":%q,"connects":[%q,%q]},`+
		`"geometry":{"type":"LineString","coordinates":[[%v,%v],[%v,%v]]}}`, level, a, b, x0, y0, x1, y1)
}

// parsePlan parses the features as one plan.
func parsePlan(t testing.TB, feats ...string) *floorplans.Plan {
	t.Helper()
	p, err := floorplans.Parse([]byte(`{"type":"FeatureCollection","features":[`+strings.Join(feats, ",")+`]}`), t.Name())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// newRouter builds a router over the features.
func newRouter(t testing.TB, opts Options, feats ...string) *Router {
	t.Helper()
	r, err := New(parsePlan(t, feats...), opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// at is a place at a point of a room.
func at(room string, x, y float64) Place {
	return Place{Room: room, Point: orb.Point{x, y}, HasPoint: true}
}

// legs sums the straight lines between successive points.
func legs(pts ...orb.Point) float64 {
	s := 0.0
	for i := 1; i < len(pts); i++ {
		s += math.Hypot(pts[i][0]-pts[i-1][0], pts[i][1]-pts[i-1][1])
	}
	return s
}

// from runs From and fails the test on an error.
func from(t testing.TB, r *Router, p Place) *Field {
	t.Helper()
	f, err := r.From(p)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

const eps = 1e-9

package floorplans

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

// feat returns one GeoJSON feature with the given properties and geometry.
func feat(props, geom string) string {
	return fmt.Sprintf(`{"type":"Feature","properties":{%s},"geometry":%s}`, props, geom)
}

// poly returns a Polygon geometry with one ring.
func poly(ring string) string { return `{"type":"Polygon","coordinates":[` + ring + `]}` }

// point returns a Point geometry.
func point(x, y float64) string {
	return fmt.Sprintf(`{"type":"Point","coordinates":[%v,%v]}`, x, y)
}

// collection wraps features in a FeatureCollection.
func collection(feats ...string) []byte {
	return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(feats, ",") + `]}`)
}

// The base plan, valid, used by the problem tests (feature indexes 0-8):
//
//	level L0 (ordinal 0) and L1 (ordinal 1), outline 20 x 10
//
//	L0  10 +---------+---------+        L1  +---------+
//	       | Z1      |         |            |         |
//	       |  A  R1  D   B  P1 |            |    C    |
//	       |         |         |            |         |
//	     0 +---------+---------+            +---------+
//	       0        10        20
//
// A and B share the edge x=10 (not an overlap); door D joins them.
var (
	outline  = `[[0,0],[20,0],[20,10],[0,10],[0,0]]`
	left     = `[[0,0],[10,0],[10,10],[0,10],[0,0]]`
	right    = `[[10,0],[20,0],[20,10],[10,10],[10,0]]`
	baseFeat = []string{
		feat(`"type":"level","id":"L0","name":"Ground","ordinal":0`, poly(outline)),
		feat(`"type":"level","id":"L1","name":"First","ordinal":1,"elevation_m":4`, poly(outline)),
		feat(`"type":"room","id":"A","name":"A","level":"L0","category":"patient_room"`, poly(left)),
		feat(`"type":"room","id":"B","name":"B","level":"L0","category":"storage"`, poly(right)),
		feat(`"type":"room","id":"C","name":"C","level":"L1","category":"icu"`, poly(left)),
		feat(`"type":"door","level":"L0","connects":["A","B"]`, `{"type":"LineString","coordinates":[[10,4],[10,6]]}`),
		feat(`"type":"reader","id":"R1","level":"L0","kind":"ble","height_m":2.5,"rssi_at_1m":-59,"path_loss_exponent":2`, point(5, 5)),
		feat(`"type":"reader","id":"P1","level":"L0","kind":"rfid_portal","zone":"B"`, point(15, 5)),
		feat(`"type":"zone","id":"Z1","name":"Bay","level":"L0"`, poly(`[[1,1],[3,1],[3,3],[1,3],[1,1]]`)),
	}
)

// base returns the base plan plus extra features (from index 9 on).
func base(extra ...string) []byte {
	return collection(append(append([]string(nil), baseFeat...), extra...)...)
}

// want is an expected problem: Msg is matched as a substring.
type want struct{ typ, feature, field, msg string }

// problemsOf returns the problems of err, failing the test if err is not a
// *ValidationError.
func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a *ValidationError", err, err)
	}
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("errors.Is(err, ErrInvalid) = false")
	}
	return ve.Problems
}

// checkProblems asserts that got holds exactly the wanted problems, in order.
func checkProblems(t *testing.T, got []Problem, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(wants), list(got))
	}
	for i, w := range wants {
		g := got[i]
		if g.Type != w.typ || g.Feature != w.feature || g.Field != w.field || !strings.Contains(g.Msg, w.msg) {
			t.Errorf("problem %d = %q\nwant type %q feature %q field %q msg containing %q", i, g, w.typ, w.feature, w.field, w.msg)
		}
	}
}

func list(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("  " + p.String() + "\n")
	}
	return b.String()
}

// fmtRing returns the closed counter-clockwise ring of a rectangle.
func fmtRing(x0, y0, x1, y1 float64) string {
	return fmt.Sprintf(`[[%v,%v],[%v,%v],[%v,%v],[%v,%v],[%v,%v]]`, x0, y0, x1, y0, x1, y1, x0, y1, x0, y0)
}

func nan() float64 { return math.NaN() }

func contains(s, sub string) bool { return strings.Contains(s, sub) }

package floorplans

import (
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

// FuzzParse feeds Parse the shared data sets, whole and cut into pieces,
// and every invalid case of the tests. Parse must not panic, must return
// either a plan or a *ValidationError with problems, and a plan's lookups
// must hold their promises.
func FuzzParse(f *testing.F) {
	for _, name := range datasets {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		for _, cut := range []int{1, 100, len(data) / 3, len(data) / 2, len(data) - 2} {
			f.Add(data[:cut])
			f.Add(data[cut:])
		}
	}
	f.Add(base())
	for _, c := range problemCases() {
		f.Add(base(c.extra...))
	}
	for _, c := range unitProblemCases() {
		f.Add(base(c.extra...))
	}
	f.Add(base(unitFeat("4W", `["A","B"]`), feat(`"type":"room","id":"E","name":"E","level":"L1","category":"storage","unit":"4E"`, poly(right))))
	for _, s := range []string{``, `null`, `[1]`, `{"type":"FeatureCollection","features":{}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data, "fuzz")
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 || p != nil {
				t.Fatalf("Parse: plan %v, error %v", p, err)
			}
			return
		}
		checkPlan(t, p)
	})
}

// checkPlan checks the invariants of a valid plan.
func checkPlan(t *testing.T, p *Plan) {
	for _, r := range p.Rooms {
		if _, ok := p.Level(r.Level); !ok {
			t.Fatalf("room %s on unknown level %s", r.ID, r.Level)
		}
		if !(r.AreaM2 > 0) || !finite(r.Centroid) {
			t.Fatalf("room %s: area %v, centroid %v", r.ID, r.AreaM2, r.Centroid)
		}
		far := orb.Point{r.Bound.Max[0] + 7, r.Bound.Max[1] + 3}
		in := NearestPointInRoom(r, far)
		if !PolygonContains(r.Polygon, in) {
			t.Fatalf("room %s: NearestPointInRoom(%v) = %v, not inside", r.ID, far, in)
		}
		if got := p.RoomAt(r.Level, in); got == nil {
			t.Fatalf("room %s: RoomAt(%v) = nil", r.ID, in)
		}
		if PolygonContains(r.Polygon, far) {
			t.Fatalf("room %s: contains %v, beyond its bound", r.ID, far)
		}
	}
	for _, d := range p.Doors {
		for _, id := range d.Connects {
			if r, ok := p.Room(id); !ok || r.Level != d.Level {
				t.Fatalf("door #%d connects %q", d.Index, id)
			}
		}
	}
	for _, r := range p.Readers {
		if _, ok := p.Level(r.Level); !ok {
			t.Fatalf("reader %s on unknown level %s", r.ID, r.Level)
		}
	}
	checkUnits(t, p)
}

// checkUnits checks that units and rooms agree: a unit's rooms exist and
// name it, a room's unit lists it.
func checkUnits(t *testing.T, p *Plan) {
	for _, u := range p.Units {
		if got, ok := p.Unit(u.ID); !ok || got != u {
			t.Fatalf("Unit(%s) = %v, %v", u.ID, got, ok)
		}
		for _, id := range u.Rooms {
			if r, ok := p.Room(id); !ok || r.Unit != u.ID {
				t.Fatalf("unit %s lists room %s, unknown or of another unit", u.ID, id)
			}
		}
	}
	for _, r := range p.Rooms {
		if u, ok := p.Unit(r.Unit); r.Unit != "" && (!ok || !slices.Contains(u.Rooms, r.ID)) {
			t.Fatalf("room %s in unit %q that does not list it", r.ID, r.Unit)
		}
	}
}

// FuzzGeometry builds two rooms from the bytes (a coordinate from each
// pair, up to 8 vertices per room, 0.5 m steps) and checks that validation
// does not panic, that the overlap test is symmetric and agrees with New,
// and that the lookups of a valid plan keep their promises.
func FuzzGeometry(f *testing.F) {
	f.Add([]byte{0, 0, 10, 0, 10, 10, 0, 10}, []byte{10, 0, 20, 0, 20, 10, 10, 10})
	f.Add([]byte{0, 0, 10, 0, 10, 10, 0, 10}, []byte{5, 0, 15, 0, 15, 10, 5, 10})
	f.Add([]byte{0, 0, 10, 10, 10, 0, 0, 10}, []byte{1, 1, 2, 1, 2, 2})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		ra, rb := ringFrom(a), ringFrom(b)
		pa, pb := orb.Polygon{ra}, orb.Polygon{rb}
		okA, okB := polygonProblems(pa, func(string) {}), polygonProblems(pb, func(string) {})
		if !okA || !okB {
			return
		}
		overlap := interiorsOverlap(pa, pb)
		if interiorsOverlap(pb, pa) != overlap {
			t.Fatalf("overlap not symmetric for %v and %v", pa, pb)
		}
		p, err := New([]*Level{{ID: "L", Name: "l", Outline: rect(-1, -1, 130, 130)}},
			[]*Room{{ID: "A", Name: "a", Level: "L", Category: "x", Polygon: pa},
				{ID: "B", Name: "b", Level: "L", Category: "x", Polygon: pb}}, nil, nil, nil)
		if (err != nil) != overlap {
			t.Fatalf("overlap %v but New: %v", overlap, err)
		}
		if err == nil {
			checkPlan(t, p)
		}
	})
}

// ringFrom reads a closed ring from pairs of bytes.
func ringFrom(b []byte) orb.Ring {
	var r orb.Ring
	for i := 0; i+1 < len(b) && len(r) < 8; i += 2 {
		r = append(r, orb.Point{float64(b[i]%128) / 2, float64(b[i+1]%128) / 2})
	}
	if len(r) > 0 {
		r = append(r, r[0])
	}
	return r
}

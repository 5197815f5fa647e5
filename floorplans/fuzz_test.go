package floorplans

import (
	"errors"
	"os"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
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
		if !planar.PolygonContains(r.Polygon, in) || DistanceToRoom(r, in) != 0 {
			t.Fatalf("room %s: NearestPointInRoom(%v) = %v, not inside", r.ID, far, in)
		}
		if got := p.RoomAt(r.Level, in); got == nil {
			t.Fatalf("room %s: RoomAt(%v) = nil", r.ID, in)
		}
		if d := DistanceToRoom(r, far); !(d > 0) {
			t.Fatalf("room %s: DistanceToRoom(%v) = %v", r.ID, far, d)
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
}

package route

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/paulmach/orb"
)

// synthetic is a generated hospital: levels stacked alike, each a comb:
//
//	+--+ +----+----+----+--   --+----+
//	|  | | r  | r  | r  |  ...  | r  |    rooms above tooth t
//	|  | +-d--+-d--+-d--+--   --+-d--+
//	|  |                              |
//	|  d     tooth t (corridor)       |
//	|  | +-d--+-d--+-d--+--   --+-d--+
//	|sp| | r  | r  | r  |  ...  | r  |    rooms below tooth t
//	|in| +----+----+----+--   --+----+
//	|e |      ... teeth ...
//	|  +----------------+ +-----------+
//	|     lobby         d |  lift     |
//	|                   d |  stairs   |
//	+-------------------+ +-----------+
//
// The spine and lobby are one L-shaped (non-convex) corridor; each tooth is
// a corridor with perSide 5 m rooms on either side, each with one door;
// stairs and lift are stacked on every level. Walls are 0.2 m thick.
type synthetic struct {
	plan     *floorplans.Plan
	rooms    []*floorplans.Room // patient rooms
	corr     []*floorplans.Room // teeth and spines
	levels   int
	perTooth int
}

// genPlan builds a synthetic hospital of about rooms rooms on levels levels
// with teeth teeth a level.
func genPlan(tb testing.TB, levels, teeth, rooms int) *synthetic {
	tb.Helper()
	perSide := max(1, rooms/(levels*teeth*2))
	s := &synthetic{levels: levels, perTooth: 2 * perSide}
	var ls []*floorplans.Level
	var rs []*floorplans.Room
	var ds []*floorplans.Door
	rect := func(x0, y0, x1, y1 float64) orb.Polygon {
		return orb.Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}
	}
	room := func(id, level, cat string, poly orb.Polygon) *floorplans.Room {
		r := &floorplans.Room{ID: id, Name: id, Level: level, Category: cat, Polygon: poly}
		rs = append(rs, r)
		return r
	}
	door := func(level, a, b string, x0, y0, x1, y1 float64) {
		ds = append(ds, &floorplans.Door{Index: len(ds), Level: level, Line: orb.LineString{{x0, y0}, {x1, y1}}, Connects: [2]string{a, b}})
	}
	width, height := max(26, 3+5*float64(perSide)), 10+15*float64(teeth)
	for l := range levels {
		lv := fmt.Sprintf("L%d", l)
		ls = append(ls, &floorplans.Level{ID: lv, Name: lv, Ordinal: l, Outline: rect(0, 0, width, height)})
		spine := lv + "-SPINE"
		s.corr = append(s.corr, room(spine, lv, "corridor", orb.Polygon{{
			{0.1, 0.1}, {19.9, 0.1}, {19.9, 9.9}, {2.9, 9.9}, {2.9, height - 0.1}, {0.1, height - 0.1}, {0.1, 0.1},
		}}))
		room(lv+"-STAIRS", lv, "stairs", rect(20.1, 0.1, 25.9, 4.9))
		room(lv+"-LIFT", lv, "elevator", rect(20.1, 5.1, 25.9, 9.9))
		door(lv, lv+"-STAIRS", spine, 20, 2, 20, 3)
		door(lv, lv+"-LIFT", spine, 20, 7, 20, 8)
		for t := range teeth {
			y0 := 10 + 15*float64(t)
			tooth := fmt.Sprintf("%s-T%02d", lv, t)
			s.corr = append(s.corr, room(tooth, lv, "corridor", rect(3.1, y0+6.1, 3+5*float64(perSide)-0.1, y0+8.9)))
			door(lv, spine, tooth, 3, y0+7, 3, y0+8)
			for j := range perSide {
				x := 3 + 5*float64(j)
				for k, ys := range [][2]float64{{y0 + 0.1, y0 + 5.9}, {y0 + 9.1, y0 + 14.9}} {
					id := fmt.Sprintf("%s-%d-%d", tooth, j, k)
					s.rooms = append(s.rooms, room(id, lv, "patient_room", rect(x+0.1, ys[0], x+4.9, ys[1])))
					dy := y0 + 6 + 3*float64(k)
					door(lv, id, tooth, x+2, dy, x+3, dy)
				}
			}
		}
	}
	p, err := floorplans.New(ls, rs, ds, nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	s.plan = p
	return s
}

// tags places n tags: corridorShare of them in corridors (teeth and
// spines), the others in patient rooms, at uniform points of their room's
// bound (for a spine, of its vertical arm).
func (s *synthetic) tags(n int, corridorShare float64, rng *rand.Rand) []Candidate {
	cs := make([]Candidate, n)
	for i := range cs {
		var r *floorplans.Room
		if rng.Float64() < corridorShare {
			r = s.corr[rng.IntN(len(s.corr))]
		} else {
			r = s.rooms[rng.IntN(len(s.rooms))]
		}
		b := r.Bound
		if r.Category == "corridor" && len(r.Polygon[0]) > 5 {
			b.Max[0] = 2.9
		}
		pt := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		cs[i] = Candidate{ID: fmt.Sprintf("TAG-%05d", i), Place: Place{Room: r.ID, Level: r.Level, Point: pt, HasPoint: true}}
	}
	return cs
}

func TestSyntheticPlan(t *testing.T) {
	s := genPlan(t, 3, 2, 24)
	r, err := New(s.plan, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Every room of every level is reachable from the first patient room,
	// and a tag anywhere is.
	f := from(t, r, Place{Room: s.rooms[0].ID})
	for _, rm := range s.plan.Rooms {
		if _, ok := f.Distance(Place{Room: rm.ID}); !ok {
			t.Errorf("%s unreachable", rm.ID)
		}
	}
	for _, c := range s.tags(500, 0.5, rand.New(rand.NewPCG(1, 2))) {
		if _, ok := f.Distance(c.Place); !ok {
			t.Errorf("%s at %v unreachable", c.ID, c.Place)
		}
	}
	// Down the spine, round the lobby's corner, two levels up: 40 m by
	// lift or by stairs, and the lift's door is nearer the spine.
	_, rooms, _ := f.To(Place{Room: "L2-T01-0-1"})
	want := []string{"L0-T00-0-0", "L0-T00", "L0-SPINE", "L0-LIFT", "L2-LIFT", "L2-SPINE", "L2-T01", "L2-T01-0-1"}
	if fmt.Sprint(rooms) != fmt.Sprint(want) {
		t.Errorf("rooms %v, want %v", rooms, want)
	}
}

// TestNearestMatchesAll checks Nearest, which passes over rooms too far to
// matter, against ranking every candidate by Distance.
func TestNearestMatchesAll(t *testing.T) {
	s := genPlan(t, 2, 3, 120)
	r, err := New(s.plan, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	cands := s.tags(2000, 0.3, rng)
	// Equal distances: twins of some candidates under other ids.
	for i := range 50 {
		cands = append(cands, Candidate{ID: fmt.Sprintf("TWIN-%02d", i), Place: cands[i*7].Place})
	}
	for _, origin := range []string{s.rooms[0].ID, "L1-SPINE", s.rooms[len(s.rooms)-1].ID} {
		f := from(t, r, Place{Room: origin})
		var all []Hit
		for _, c := range cands {
			if d, ok := f.Distance(c.Place); ok {
				all = append(all, Hit{ID: c.ID, Meters: d})
			}
		}
		slices.SortStableFunc(all, func(a, b Hit) int {
			return cmp.Or(cmp.Compare(a.Meters, b.Meters), cmp.Compare(a.ID, b.ID))
		})
		for _, k := range []int{1, 10, 100} {
			got := f.Nearest(cands, k)
			if len(got) != k {
				t.Fatalf("from %s, %d hits, want %d", origin, len(got), k)
			}
			for i, h := range got {
				if h.ID != all[i].ID || h.Meters != all[i].Meters || len(h.Rooms) == 0 || h.Rooms[0] != origin {
					t.Errorf("from %s, k=%d, #%d: %s %v %v, want %s %v", origin, k, i, h.ID, h.Meters, h.Rooms, all[i].ID, all[i].Meters)
				}
				if cands[h.Index].ID != h.ID {
					t.Errorf("from %s, #%d: Index %d is candidate %s, not %s", origin, i, h.Index, cands[h.Index].ID, h.ID)
				}
			}
		}
	}
}

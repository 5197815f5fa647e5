package route

import (
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/demo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// realPlans are the demo ward and the shared data sets' floorplans.
func realPlans(t *testing.T) map[string]*floorplans.Plan {
	t.Helper()
	plans := map[string]*floorplans.Plan{}
	ward, err := floorplans.Parse(demo.Floorplan(), "ward.geojson")
	if err != nil {
		t.Fatal(err)
	}
	plans["demo-ward"] = ward
	files, err := filepath.Glob("../../testdata/datasets/*/floorplan.geojson")
	if err != nil || len(files) < 2 {
		t.Fatalf("data sets: %v %v", files, err)
	}
	for _, f := range files {
		p, err := floorplans.LoadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		plans[filepath.Base(filepath.Dir(f))] = p
	}
	return plans
}

// TestRealPlansConnected checks that every room of the real plans can be
// reached from every other, and that walking is symmetric. danis-tetam
// is an open lab with no rooms: there is nothing to route (a place in it
// is ErrNotInRoom).
func TestRealPlansConnected(t *testing.T) {
	wantRooms := map[string]int{"demo-ward": 38, "synthetic-clinic": 17, "danis-tetam": 0}
	for name, p := range realPlans(t) {
		t.Run(name, func(t *testing.T) {
			if len(p.Rooms) != wantRooms[name] {
				t.Fatalf("%d rooms, want %d", len(p.Rooms), wantRooms[name])
			}
			r, err := New(p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			d := make([][]float64, len(p.Rooms))
			for i, a := range p.Rooms {
				f := from(t, r, Place{Room: a.ID})
				d[i] = make([]float64, len(p.Rooms))
				for j, b := range p.Rooms {
					m, ok := f.Distance(Place{Room: b.ID})
					if !ok {
						t.Errorf("%s to %s unreachable", a.ID, b.ID)
					}
					d[i][j] = m
				}
			}
			for i := range d {
				for j := range i {
					if math.Abs(d[i][j]-d[j][i]) > 1e-6 {
						t.Errorf("%s-%s: %v there, %v back", p.Rooms[i].ID, p.Rooms[j].ID, d[i][j], d[j][i])
					}
				}
			}
			if len(p.Rooms) == 0 {
				if _, err := r.From(Place{Level: "L0", Point: orb.Point{5, 5}, HasPoint: true}); err == nil {
					t.Error("From a plan without rooms: no error")
				}
			}
		})
	}
}

func TestWardAcrossLevels(t *testing.T) {
	p := realPlans(t)["demo-ward"]
	r, err := New(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := from(t, r, Place{Room: "L0-P01"})
	_, rooms, ok := f.To(Place{Room: "L1-P21"})
	want := []string{"L0-P01", "L0-COR", "L0-STAIRS", "L1-STAIRS", "L1-COR", "L1-P21"}
	if !ok || !slices.Equal(rooms, want) {
		t.Errorf("rooms %v, want %v", rooms, want)
	}
}

// TestAgainstGrid compares the router with an independent brute force on
// the ground level of the real plans: a shortest path over a 10 cm grid of
// the places one can stand (in a room, or within 16 cm of a door's
// opening), 8 neighbours a cell. An 8-neighbour grid walk is at most 8.3%
// longer than the true shortest walk, and the router's, which goes through
// door midpoints, is never shorter than the true one (a walk through a
// wall would be) and longer by at most half the width of each door it
// goes through (1 m at most in these plans).
func TestAgainstGrid(t *testing.T) {
	const h = 0.1
	plans := realPlans(t)
	plans["L-corridor"] = parsePlan(t, lFeats...)
	for _, name := range []string{"demo-ward", "synthetic-clinic", "L-corridor"} {
		p := plans[name]
		t.Run(name, func(t *testing.T) {
			r, err := New(p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			g := newGrid(p, "L0", h)
			rooms := p.RoomsOn("L0")
			for _, a := range []*floorplans.Room{rooms[0], rooms[len(rooms)/2], rooms[len(rooms)-1]} {
				f := from(t, r, Place{Room: a.ID})
				src := r.rooms[r.roomOf[a.ID]].center
				gd := g.walk(src)
				for _, b := range rooms {
					dst := r.rooms[r.roomOf[b.ID]].center
					m, path, ok := f.To(Place{Room: b.ID})
					want := gd[g.cell(dst)]
					if !ok || math.IsInf(want, 1) {
						t.Fatalf("%s to %s: router %v, grid %v", a.ID, b.ID, ok, want)
					}
					if m < want/1.0824-2*h || m > want+float64(len(path)-1) {
						t.Errorf("%s to %s: router %.2f m, grid %.2f m", a.ID, b.ID, m, want)
					}
				}
			}
		})
	}
}

// grid is a raster of one level: the cells one can stand in.
type grid struct {
	origin orb.Point
	h      float64
	nx, ny int
	free   []bool
}

func newGrid(p *floorplans.Plan, level string, h float64) *grid {
	var b orb.Bound
	for i, rm := range p.RoomsOn(level) {
		if i == 0 {
			b = rm.Bound
		}
		b = b.Union(rm.Bound)
	}
	g := &grid{origin: b.Min, h: h, nx: int((b.Max[0]-b.Min[0])/h) + 2, ny: int((b.Max[1]-b.Min[1])/h) + 2}
	g.free = make([]bool, g.nx*g.ny)
	for j := range g.ny {
		for i := range g.nx {
			pt := orb.Point{g.origin[0] + float64(i)*h, g.origin[1] + float64(j)*h}
			g.free[j*g.nx+i] = p.RoomAt(level, pt) != nil || nearDoor(p, level, pt, 0.16)
		}
	}
	return g
}

// nearDoor reports whether pt is within d of a door opening of the level.
func nearDoor(p *floorplans.Plan, level string, pt orb.Point, d float64) bool {
	for _, dr := range p.Doors {
		for i := 1; i < len(dr.Line) && dr.Level == level; i++ {
			a, b := dr.Line[i-1], dr.Line[i]
			t := math.Max(0, math.Min(1, param(a, b, pt)))
			if planar.Distance(pt, orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}) <= d {
				return true
			}
		}
	}
	return false
}

// cell returns the index of the cell nearest to pt.
func (g *grid) cell(pt orb.Point) int {
	i := int(math.Round((pt[0] - g.origin[0]) / g.h))
	j := int(math.Round((pt[1] - g.origin[1]) / g.h))
	return j*g.nx + i
}

// walk returns the grid distance from the cell of src to every cell.
func (g *grid) walk(src orb.Point) []float64 {
	d := make([]float64, len(g.free))
	for i := range d {
		d[i] = math.Inf(1)
	}
	s := g.cell(src)
	d[s] = 0
	q := queue{{0, int32(s)}}
	for len(q) > 0 {
		it := q.pop()
		if it.d > d[it.n] {
			continue
		}
		x, y := int(it.n)%g.nx, int(it.n)/g.nx
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				u, v := x+dx, y+dy
				if (dx == 0 && dy == 0) || u < 0 || v < 0 || u >= g.nx || v >= g.ny || !g.free[v*g.nx+u] {
					continue
				}
				n := v*g.nx + u
				if nd := it.d + g.h*math.Hypot(float64(dx), float64(dy)); nd < d[n] {
					d[n] = nd
					q.push(item{nd, int32(n)})
				}
			}
		}
	}
	return d
}

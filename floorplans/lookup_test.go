package floorplans

import (
	"slices"
	"sync"
	"testing"

	"github.com/paulmach/orb"
)

func basePlan(t testing.TB, extra ...string) *Plan {
	t.Helper()
	p, err := Parse(base(extra...), "base.geojson")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRoomAt(t *testing.T) {
	// L0 of the base plan plus a room W with a wall gap to B:
	//
	//	10 +---------+---------+
	//	   |    A    |    B    |
	//	 0 +---------+---------+  +--+  W: 21..22 x 0..1, off the outline
	//	   0        10        20
	p := basePlan(t, feat(`"type":"room","id":"W","name":"w","level":"L0","category":"x"`, poly(fmtRing(21, 0, 22, 1))))
	cases := []struct {
		name  string
		level string
		pt    orb.Point
		want  string
	}{
		{"inside A", "L0", orb.Point{5, 5}, "A"},
		{"inside B", "L0", orb.Point{15, 5}, "B"},
		{"shared edge goes to the first room", "L0", orb.Point{10, 5}, "A"},
		{"outer corner", "L0", orb.Point{20, 10}, "B"},
		{"in the gap", "L0", orb.Point{20.5, 0.5}, ""},
		{"inside W", "L0", orb.Point{21.5, 0.5}, "W"},
		{"outside everything", "L0", orb.Point{-1, 5}, ""},
		{"other level", "L1", orb.Point{15, 5}, ""},
		{"C on L1", "L1", orb.Point{5, 5}, "C"},
		{"unknown level", "L7", orb.Point{5, 5}, ""},
		{"NaN", "L0", orb.Point{nan(), 5}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ""
			if r := p.RoomAt(c.level, c.pt); r != nil {
				got = r.ID
			}
			if got != c.want {
				t.Errorf("RoomAt(%s, %v) = %q, want %q", c.level, c.pt, got, c.want)
			}
		})
	}
}

func TestIDLookups(t *testing.T) {
	p := basePlan(t)
	if l, ok := p.Level("L1"); !ok || l.Ordinal != 1 || l.ElevationM != 4 {
		t.Errorf("Level(L1) = %+v, %v", l, ok)
	}
	if l, ok := p.LevelByOrdinal(0); !ok || l.ID != "L0" {
		t.Errorf("LevelByOrdinal(0) = %+v, %v", l, ok)
	}
	if _, ok := p.LevelByOrdinal(5); ok {
		t.Error("LevelByOrdinal(5) found a level")
	}
	if r, ok := p.Room("B"); !ok || r.Category != "storage" || r.AreaM2 != 100 || r.Centroid != (orb.Point{15, 5}) {
		t.Errorf("Room(B) = %+v, %v", r, ok)
	}
	if r, ok := p.Reader("R1"); !ok || r.Kind != KindBLE || r.RSSIAt1m != -59 || r.PathLossExponent != 2 || r.HeightM != 2.5 {
		t.Errorf("Reader(R1) = %+v, %v", r, ok)
	}
	if r, ok := p.Reader("P1"); !ok || r.Zone != "B" || r.HeightM != 0 {
		t.Errorf("Reader(P1) = %+v, %v", r, ok)
	}
	if z, ok := p.Zone("Z1"); !ok || z.Bound != (orb.Bound{Min: orb.Point{1, 1}, Max: orb.Point{3, 3}}) {
		t.Errorf("Zone(Z1) = %+v, %v", z, ok)
	}
	for _, id := range []string{"A", "R1", "Z1"} {
		if _, ok := p.Level(id); ok {
			t.Errorf("Level(%s) found a level", id)
		}
	}
	if _, ok := p.Room("R1"); ok {
		t.Error("Room(R1) found a room")
	}
}

func TestPerLevelLookups(t *testing.T) {
	p := basePlan(t)
	if got := ids(p.RoomsOn("L0")); !slices.Equal(got, []string{"A", "B"}) {
		t.Errorf("RoomsOn(L0) = %v", got)
	}
	if got := ids(p.RoomsOn("L1")); !slices.Equal(got, []string{"C"}) {
		t.Errorf("RoomsOn(L1) = %v", got)
	}
	if got := p.RoomsOn("L7"); got != nil {
		t.Errorf("RoomsOn(L7) = %v", got)
	}
	if got := ids(p.ReadersOn("L0")); !slices.Equal(got, []string{"R1", "P1"}) {
		t.Errorf("ReadersOn(L0) = %v", got)
	}
	if got := p.ReadersOn("L1"); len(got) != 0 {
		t.Errorf("ReadersOn(L1) = %v", got)
	}
}

func TestZonesAt(t *testing.T) {
	p := basePlan(t, feat(`"type":"zone","id":"Z2","name":"z","level":"L0"`, poly(fmtRing(2, 2, 6, 6))))
	cases := []struct {
		pt   orb.Point
		want []string
	}{
		{orb.Point{1.5, 1.5}, []string{"Z1"}},
		{orb.Point{2.5, 2.5}, []string{"Z1", "Z2"}},
		{orb.Point{5, 5}, []string{"Z2"}},
		{orb.Point{15, 5}, nil},
	}
	for _, c := range cases {
		if got := ids(p.ZonesAt("L0", c.pt)); !slices.Equal(got, c.want) {
			t.Errorf("ZonesAt(L0, %v) = %v, want %v", c.pt, got, c.want)
		}
	}
	if got := p.ZonesAt("L1", orb.Point{2, 2}); got != nil {
		t.Errorf("ZonesAt(L1) = %v", got)
	}
}

func TestDoorsAndNeighbors(t *testing.T) {
	p := basePlan(t,
		feat(`"type":"room","id":"D","name":"d","level":"L1","category":"x"`, poly(fmtRing(10, 0, 20, 10))),
		feat(`"type":"door","level":"L1","connects":["D","C"]`, `{"type":"LineString","coordinates":[[10,1],[10,2],[10,3]]}`),
		feat(`"type":"door","level":"L1","connects":["C","D"]`, `{"type":"LineString","coordinates":[[10,7],[10,8]]}`),
	)
	if got := p.Neighbors("A"); !slices.Equal(got, []string{"B"}) {
		t.Errorf("Neighbors(A) = %v", got)
	}
	if got := p.Neighbors("C"); !slices.Equal(got, []string{"D"}) {
		t.Errorf("Neighbors(C) = %v (one entry per room, not per door)", got)
	}
	if got := p.Neighbors("Z1"); got != nil {
		t.Errorf("Neighbors(Z1) = %v", got)
	}
	ds := p.DoorsBetween("C", "D")
	if len(ds) != 2 || ds[0].Index != 10 || ds[1].Index != 11 {
		t.Fatalf("DoorsBetween(C, D) = %+v", ds)
	}
	if ds[0].Mid != (orb.Point{10, 2}) || ds[1].Mid != (orb.Point{10, 7.5}) {
		t.Errorf("door mids = %v, %v", ds[0].Mid, ds[1].Mid)
	}
	if got := p.DoorsBetween("B", "A"); len(got) != 1 || got[0].Mid != (orb.Point{10, 5}) {
		t.Errorf("DoorsBetween(B, A) = %+v", got)
	}
	if got := p.DoorsBetween("A", "C"); got != nil {
		t.Errorf("DoorsBetween(A, C) = %+v", got)
	}
}

func TestNilPlan(t *testing.T) {
	var p *Plan
	if _, ok := p.Room("A"); ok || p.RoomAt("L0", orb.Point{}) != nil || p.RoomsOn("L0") != nil ||
		p.Neighbors("A") != nil || p.DoorsBetween("A", "B") != nil || p.ZonesAt("L0", orb.Point{}) != nil {
		t.Error("a nil plan found something")
	}
}

func TestConcurrentLookups(t *testing.T) {
	p := basePlan(t)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 1000 {
				x := float64((i+g)%200) / 10
				r := p.RoomAt("L0", orb.Point{x, 5})
				if r == nil || (x < 10 && r.ID != "A") || (x > 10 && r.ID != "B") {
					t.Errorf("RoomAt(%v, 5) = %v", x, r)
					return
				}
				_ = p.ZonesAt("L0", orb.Point{x, 2})
			}
		})
	}
	wg.Wait()
}

func TestLookupsDoNotAllocate(t *testing.T) {
	p := basePlan(t)
	a, _ := p.Room("A")
	cases := map[string]func(){
		"RoomAt":             func() { p.RoomAt("L0", orb.Point{15, 5}) },
		"RoomAt miss":        func() { p.RoomAt("L0", orb.Point{25, 5}) },
		"Room":               func() { p.Room("B") },
		"Reader":             func() { p.Reader("R1") },
		"RoomsOn":            func() { p.RoomsOn("L0") },
		"ReadersOn":          func() { p.ReadersOn("L0") },
		"Neighbors":          func() { p.Neighbors("A") },
		"DoorsBetween":       func() { p.DoorsBetween("B", "A") },
		"LevelByOrdinal":     func() { p.LevelByOrdinal(1) },
		"NearestPointInRoom": func() { NearestPointInRoom(a, orb.Point{15, 5}) },
	}
	for name, f := range cases {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %v allocations per call", name, n)
		}
	}
}

func ids[T interface{ *Room | *Reader | *Zone }](xs []T) []string {
	var out []string
	for _, x := range xs {
		switch v := any(x).(type) {
		case *Room:
			out = append(out, v.ID)
		case *Reader:
			out = append(out, v.ID)
		case *Zone:
			out = append(out, v.ID)
		}
	}
	return out
}

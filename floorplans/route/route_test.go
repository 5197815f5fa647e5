package route

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

// wardFeats is a row of three rooms over a corridor, walls 0.2 m thick:
//
//	 10 +---------+ +---------+ +---------+
//	    |  A    o | | x  B    | | x  D    |    o origin (9, 7)
//	    |         | |         | |         |    x pumps at (11, 7) and (21, 7)
//	4.2 +-d1------+ +------d2-+ +-d3------+
//	  4 +-----------------------------------+
//	    |              C (corridor)         |
//	  0 +-----------------------------------+
//	    0        10 10.2     20 20.2       30
//
// The pump in B is 2 m away through the wall, 33 m away on foot; the
// one in D is 12 m away in a straight line and 31 m on foot.
var wardFeats = []string{
	levelFeat("L0", 0),
	rectFeat("A", "L0", "patient_room", 0, 4.2, 10, 10),
	rectFeat("B", "L0", "patient_room", 10.2, 4.2, 20, 10),
	rectFeat("D", "L0", "patient_room", 20.2, 4.2, 30, 10),
	rectFeat("C", "L0", "corridor", 0, 0, 30, 4),
	doorFeat("L0", "A", "C", 1, 4.1, 2, 4.1),
	doorFeat("L0", "B", "C", 18, 4.1, 19, 4.1),
	doorFeat("L0", "D", "C", 21, 4.1, 22, 4.1),
}

func TestBehindTheWall(t *testing.T) {
	r := newRouter(t, Options{}, wardFeats...)
	o, d1, d2, d3 := orb.Point{9, 7}, orb.Point{1.5, 4.1}, orb.Point{18.5, 4.1}, orb.Point{21.5, 4.1}
	pB, pD := orb.Point{11, 7}, orb.Point{21, 7}
	f := from(t, r, at("A", o[0], o[1]))
	cases := []struct {
		name  string
		to    Place
		want  float64
		rooms []string
	}{
		{"through the wall is not a way", at("B", pB[0], pB[1]), legs(o, d1, d2, pB), []string{"A", "C", "B"}},
		{"through the doors", at("D", pD[0], pD[1]), legs(o, d1, d3, pD), []string{"A", "C", "D"}},
		{"same room is a straight line", at("A", 1, 9), legs(o, orb.Point{1, 9}), []string{"A"}},
		{"a room alone is its centroid", Place{Room: "C"}, legs(o, d1, orb.Point{15, 2}), []string{"A", "C"}},
		{"a point alone finds its room", Place{Level: "L0", Point: orb.Point{25, 2}, HasPoint: true}, legs(o, d1, orb.Point{25, 2}), []string{"A", "C"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, rooms, ok := f.To(c.to)
			if !ok || math.Abs(m-c.want) > eps || !slices.Equal(rooms, c.rooms) {
				t.Errorf("To = %v %v %v, want %v %v", m, rooms, ok, c.want, c.rooms)
			}
			if d, ok := f.Distance(c.to); !ok || d != m {
				t.Errorf("Distance = %v %v, To %v", d, ok, m)
			}
		})
	}
	hits := f.Nearest([]Candidate{{"PUMP-B", at("B", pB[0], pB[1])}, {"PUMP-D", at("D", pD[0], pD[1])}}, 1)
	if len(hits) != 1 || hits[0].ID != "PUMP-D" || !slices.Equal(hits[0].Rooms, []string{"A", "C", "D"}) {
		t.Errorf("Nearest = %+v, want PUMP-D through A C D", hits)
	}
}

// lFeats is an L-shaped corridor L between rooms N and E:
//
//	14 +----+
//	   | N  |
//	   +-e1-+          e1: (1..3, 10.1)
//	10 +----+
//	   |    |
//	   | L  |
//	 4 |    v------+ +---+     v: the inner corner (4, 4)
//	   |           e2| E |     e2: (10.1, 1..3)
//	 0 +-----------+ +---+
//	   0    4     10 10.2 14
var lFeats = []string{
	levelFeat("L0", 0),
	roomFeat("L", "L0", "corridor", []float64{0, 0, 10, 0, 10, 4, 4, 4, 4, 10, 0, 10}),
	rectFeat("N", "L0", "storage", 0, 10.2, 4, 14),
	rectFeat("E", "L0", "storage", 10.2, 0, 14, 4),
	doorFeat("L0", "N", "L", 1, 10.1, 3, 10.1),
	doorFeat("L0", "E", "L", 10.1, 1, 10.1, 3),
}

func TestNonConvexRoom(t *testing.T) {
	r := newRouter(t, Options{}, lFeats...)
	e1, e2, v := orb.Point{2, 10.1}, orb.Point{10.1, 2}, orb.Point{4, 4}
	cases := []struct {
		name     string
		from, to orb.Point
		fromRoom string
		toRoom   string
		want     float64
		rooms    []string
	}{
		{"door to door around the corner", orb.Point{2, 12}, orb.Point{12, 2}, "N", "E", legs(orb.Point{2, 12}, e1, v, e2, orb.Point{12, 2}), []string{"N", "L", "E"}},
		{"into the far arm", orb.Point{2, 12}, orb.Point{8, 2}, "N", "L", legs(orb.Point{2, 12}, e1, v, orb.Point{8, 2}), []string{"N", "L"}},
		{"into the near arm, seen from the door", orb.Point{2, 12}, orb.Point{2, 2}, "N", "L", legs(orb.Point{2, 12}, e1, orb.Point{2, 2}), []string{"N", "L"}},
		{"out of the corridor", orb.Point{2, 8}, orb.Point{12, 2}, "L", "E", legs(orb.Point{2, 8}, v, e2, orb.Point{12, 2}), []string{"L", "E"}},
		{"within the corridor", orb.Point{2, 8}, orb.Point{8, 2}, "L", "L", legs(orb.Point{2, 8}, v, orb.Point{8, 2}), []string{"L"}},
		{"within the corridor, in sight", orb.Point{2, 8}, orb.Point{2, 1}, "L", "L", 7, []string{"L"}},
		{"a point in the wall is moved into the room", orb.Point{2, 12}, orb.Point{4.05, 7}, "N", "L", legs(orb.Point{2, 12}, e1, orb.Point{3.95, 7}), []string{"N", "L"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := from(t, r, at(c.fromRoom, c.from[0], c.from[1]))
			m, rooms, ok := f.To(at(c.toRoom, c.to[0], c.to[1]))
			if !ok || math.Abs(m-c.want) > eps || !slices.Equal(rooms, c.rooms) {
				t.Errorf("To = %v %v %v, want %v %v", m, rooms, ok, c.want, c.rooms)
			}
		})
	}
}

// TestPillar walks around a pillar (a hole in the room):
//
//	10 +-----------+
//	   |     b     |    a (5, 1) to b (5, 9): around the corners
//	 6 |   +---+   |    (4, 4) and (4, 6), or (6, 4) and (6, 6),
//	   |   |###|   |    equally long: the first in the ring wins.
//	 4 |   +---+   |
//	   |     a     |
//	 0 +-----------+
//	   0   4   6  10
func TestPillar(t *testing.T) {
	r := newRouter(t, Options{},
		levelFeat("L0", 0),
		roomFeat("P", "L0", "corridor", []float64{0, 0, 10, 0, 10, 10, 0, 10}, []float64{4, 4, 4, 6, 6, 6, 6, 4}))
	f := from(t, r, at("P", 5, 1))
	want := 2*math.Sqrt(10) + 2
	if m, rooms, ok := f.To(at("P", 5, 9)); !ok || math.Abs(m-want) > eps || !slices.Equal(rooms, []string{"P"}) {
		t.Errorf("To = %v %v %v, want %v [P]", m, rooms, ok, want)
	}
	if m, ok := f.Distance(at("P", 1, 5)); !ok || math.Abs(m-math.Hypot(4, 4)) > eps {
		t.Errorf("in sight: %v %v, want %v", m, ok, math.Hypot(4, 4))
	}
}

// levelsFeats stacks three levels, each a corridor C with stairs S at its
// west end and a lift E at its east end:
//
//	 10 +----+                  +----+
//	    | S  |                  | E  |     S, E centroids (2.5, 7.1) and (27.5, 7.1)
//	4.2 +-s--+                  +-e--+     s (2..3, 4.1), e (27..28, 4.1)
//	  4 +--------------------------------+
//	    |          C    o                |  o (14, 2) on every level
//	  0 +--------------------------------+
//	    0    5                  25  30
func levelsFeats() []string {
	var fs []string
	for i, l := range []string{"L0", "L1", "L2"} {
		fs = append(fs, levelFeat(l, i),
			rectFeat(l+"-C", l, "corridor", 0, 0, 30, 4),
			rectFeat(l+"-S", l, "stairs", 0, 4.2, 5, 10),
			rectFeat(l+"-E", l, "elevator", 25, 4.2, 30, 10),
			doorFeat(l, l+"-S", l+"-C", 2, 4.1, 3, 4.1),
			doorFeat(l, l+"-E", l+"-C", 27, 4.1, 28, 4.1))
	}
	return fs
}

func TestLevels(t *testing.T) {
	o := orb.Point{14, 2}
	walkS := 2 * legs(o, orb.Point{2.5, 4.1}, orb.Point{2.5, 7.1})
	walkE := 2 * legs(o, orb.Point{27.5, 4.1}, orb.Point{27.5, 7.1})
	stairs01 := []string{"L0-C", "L0-S", "L1-S", "L1-C"}
	stairs02 := []string{"L0-C", "L0-S", "L1-S", "L2-S", "L2-C"}
	lift01 := []string{"L0-C", "L0-E", "L1-E", "L1-C"}
	lift02 := []string{"L0-C", "L0-E", "L2-E", "L2-C"}
	cases := []struct {
		name  string
		opts  Options
		to    string
		want  float64
		rooms []string
	}{
		{"defaults: stairs one level", Options{}, "L1-C", walkS + 20, stairs01},
		{"defaults: stairs two levels", Options{}, "L2-C", walkS + 40, stairs02},
		{"dear stairs: lift one level", Options{StairsPerLevelM: 50}, "L1-C", walkE + 35, lift01},
		{"dear stairs: lift two levels", Options{StairsPerLevelM: 50}, "L2-C", walkE + 40, lift02},
		{"no stairs", Options{StairsPerLevelM: -1}, "L1-C", walkE + 35, lift01},
		{"cheap lift", Options{LiftM: 1, LiftPerLevelM: 1}, "L2-C", walkE + 3, lift02},
		{"no lifts", Options{LiftM: -1, StairsPerLevelM: 100}, "L2-C", walkS + 200, stairs02},
		{"neither: unreachable", Options{LiftM: -1, StairsPerLevelM: -1}, "L1-C", 0, nil},
		{"neither: same level", Options{LiftM: -1, StairsPerLevelM: -1}, "L0-C", 0, []string{"L0-C"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRouter(t, c.opts, levelsFeats()...)
			f := from(t, r, at("L0-C", o[0], o[1]))
			m, rooms, ok := f.To(at(c.to, o[0], o[1]))
			if ok != (c.rooms != nil) || math.Abs(m-c.want) > eps || !slices.Equal(rooms, c.rooms) {
				t.Errorf("To = %v %v %v, want %v %v", m, rooms, ok, c.want, c.rooms)
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	// X has no door:
	//
	//	+---+ +---+
	//	| A d | X |
	//	+---+ +---+
	//	      d: A to C below (not drawn)
	r := newRouter(t, Options{}, append(append([]string(nil), wardFeats...),
		rectFeat("X", "L0", "storage", 40, 0, 45, 5))...)
	fa := from(t, r, at("A", 5, 5))
	if m, rooms, ok := fa.To(at("X", 42, 2)); ok || m != 0 || rooms != nil {
		t.Errorf("A to X = %v %v %v, want unreachable", m, rooms, ok)
	}
	fx := from(t, r, at("X", 41, 1))
	if _, ok := fx.Distance(at("A", 5, 5)); ok {
		t.Error("X to A reachable")
	}
	if m, ok := fx.Distance(at("X", 44, 4)); !ok || math.Abs(m-math.Hypot(3, 3)) > eps {
		t.Errorf("within X = %v %v", m, ok)
	}
	if hits := fa.Nearest([]Candidate{{"in-X", at("X", 42, 2)}, {"nowhere", at("Q", 1, 1)}}, 5); len(hits) != 0 {
		t.Errorf("Nearest = %+v, want none", hits)
	}
}

func TestDeterministic(t *testing.T) {
	// Two doors equally far from o: the first door of the plan wins.
	//
	//	+-----------+
	//	|     R     |
	//	+-d1-----d2-+
	//	|     o C   |
	//	+-----------+
	feats := []string{
		levelFeat("L0", 0),
		rectFeat("R", "L0", "storage", 0, 4.2, 10, 10),
		rectFeat("C", "L0", "corridor", 0, 0, 10, 4),
		doorFeat("L0", "C", "R", 8, 4.1, 9, 4.1),
		doorFeat("L0", "C", "R", 1, 4.1, 2, 4.1),
	}
	origin, target := at("C", 5, 2), at("R", 5, 9)
	var first *Field
	for range 3 {
		f := from(t, newRouter(t, Options{}, feats...), origin)
		if first == nil {
			first = f
		} else if !slices.Equal(f.dist, first.dist) || !slices.Equal(f.prev, first.prev) || !slices.Equal(f.via, first.via) {
			t.Fatal("fields differ between builds")
		}
	}
	if _, last := first.best(spot{room: 0, pt: target.Point}); last != 0 {
		t.Errorf("entered R by node %d, want door 0 (first in the plan)", last)
	}
	same := at("R", 5, 9)
	cands := []Candidate{{"c", same}, {"b", same}, {"a", same}, {"b", same}}
	var ids []string
	for _, h := range first.Nearest(cands, 3) {
		ids = append(ids, h.ID)
	}
	if !slices.Equal(ids, []string{"a", "b", "b"}) {
		t.Errorf("Nearest ids = %v, want [a b b]", ids)
	}
	if all := first.Nearest(cands, 0); len(all) != 4 || all[3].ID != "c" {
		t.Errorf("Nearest(0) = %+v, want all four, c last", all)
	}
}

func TestErrors(t *testing.T) {
	r := newRouter(t, Options{}, wardFeats...)
	cases := []struct {
		name string
		p    Place
		want error
	}{
		{"unknown room", Place{Room: "Z"}, ErrUnknownRoom},
		{"wrong level", Place{Room: "A", Level: "L1"}, ErrWrongLevel},
		{"in a wall", Place{Level: "L0", Point: orb.Point{10.1, 7}, HasPoint: true}, ErrNotInRoom},
		{"unknown level", Place{Level: "L9", Point: orb.Point{5, 5}, HasPoint: true}, ErrNotInRoom},
		{"nothing", Place{Level: "L0"}, ErrNotInRoom},
		{"not finite", at("A", math.NaN(), 5), ErrNotInRoom},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := r.From(c.p); !errors.Is(err, c.want) {
				t.Errorf("From = %v, want %v", err, c.want)
			}
			f := from(t, r, Place{Room: "A"})
			if _, ok := f.Distance(c.p); ok {
				t.Error("Distance ok")
			}
		})
	}
	if _, err := New(nil, Options{}); !errors.Is(err, ErrNilPlan) {
		t.Errorf("New(nil) = %v", err)
	}
	for _, o := range []Options{{LiftM: math.NaN()}, {StairsPerLevelM: math.Inf(1)}, {LiftPerLevelM: -1}} {
		if _, err := New(parsePlan(t, wardFeats...), o); !errors.Is(err, ErrOptions) {
			t.Errorf("New(%+v) = %v, want ErrOptions", o, err)
		}
	}
	p := parsePlan(t, wardFeats...)
	p.Doors[0].Connects[1] = "gone"
	if _, err := New(p, Options{}); !errors.Is(err, ErrUnknownRoom) {
		t.Errorf("New with a door to an unknown room = %v", err)
	}
}

// TestConcurrentUse shares one Router and one Field between goroutines
// (run with -race): both are read-only once built.
func TestConcurrentUse(t *testing.T) {
	r := newRouter(t, Options{}, levelsFeats()...)
	shared := from(t, r, at("L0-C", 14, 2))
	want, _, _ := shared.To(at("L2-C", 14, 2))
	done := make(chan float64)
	for i := range 4 {
		go func() {
			f, err := r.From(at("L0-C", 14, 2))
			if err != nil {
				done <- -1
				return
			}
			d1, _ := f.Distance(at("L2-C", 14, 2))
			d2, _ := shared.Distance(at("L2-C", 14, 2))
			shared.Nearest([]Candidate{{ID: "x", Place: at("L1-C", float64(i), 2)}}, 1)
			done <- math.Max(math.Abs(d1-want), math.Abs(d2-want))
		}()
	}
	for range 4 {
		if d := <-done; d != 0 {
			t.Errorf("a goroutine got %v off", d)
		}
	}
}

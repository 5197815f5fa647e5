package floorplans

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func roomOf(t *testing.T, poly orb.Polygon) *Room {
	t.Helper()
	p, err := New([]*Level{{ID: "L0", Name: "l", Outline: rect(-100, -100, 100, 100)}},
		[]*Room{{ID: "R", Name: "r", Level: "L0", Category: "x", Polygon: poly}}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p.Rooms[0]
}

func TestNearestPointInRoom(t *testing.T) {
	// A 10 x 10 square room, a sharp triangle and a donut:
	//
	//	square         spike (10° at the tip)     donut
	//	+------+       +                          +--------+
	//	|      |       | \____                    |  +--+  |
	//	|      |       |      \____               |  |  |  |
	//	+------+       +-----------+ (10,0) tip   |  +--+  |
	//	                                          +--------+
	square := rect(0, 0, 10, 10)
	spike := orb.Polygon{{{0, 0}, {10, 0}, {0, 1.76}, {0, 0}}}
	donut := orb.Polygon{rect(0, 0, 10, 10)[0], rect(3, 3, 7, 7)[0]}
	cases := []struct {
		name string
		poly orb.Polygon
		pt   orb.Point
		want orb.Point // NaN: only check that the result is inside
	}{
		{"inside", square, orb.Point{4, 4}, orb.Point{4, 4}},
		{"on the boundary", square, orb.Point{10, 4}, orb.Point{10, 4}},
		{"west of the wall", square, orb.Point{-3, 4}, orb.Point{0.05, 4}},
		{"north of the wall", square, orb.Point{4, 12}, orb.Point{4, 9.95}},
		{"beyond a corner", square, orb.Point{12, 12}, orb.Point{10 - 0.05/math.Sqrt2, 10 - 0.05/math.Sqrt2}},
		{"beyond a sharp tip", spike, orb.Point{11, -1}, orb.Point{nan(), 0}},
		{"in the hole", donut, orb.Point{5, 4}, orb.Point{5, 2.95}},
		// A sliver a few mm wide near its tip (found by FuzzGeometry).
		{"beside a sliver", orb.Polygon{{{27.5, 24}, {24, 24.5}, {16, 61}, {24, 24}, {27.5, 24}}}, orb.Point{34.5, 64}, orb.Point{nan(), 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := roomOf(t, c.poly)
			got := NearestPointInRoom(r, c.pt)
			if !planar.PolygonContains(r.Polygon, got) {
				t.Fatalf("NearestPointInRoom(%v) = %v, not in the room", c.pt, got)
			}
			if !math.IsNaN(c.want[0]) && planar.Distance(got, c.want) > 1e-9 {
				t.Errorf("NearestPointInRoom(%v) = %v, want %v", c.pt, got, c.want)
			}
		})
	}
}

func TestNearestPointInRoomNil(t *testing.T) {
	if got := NearestPointInRoom(nil, orb.Point{1, 2}); got != (orb.Point{1, 2}) {
		t.Errorf("NearestPointInRoom(nil) = %v", got)
	}
}

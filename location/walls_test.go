package location

import (
	"testing"

	"github.com/hospitalrtls/rtls/floorplans"
)

// TestWallsBetween counts walls on the clinic's plan: rooms of 5.3 x 7.8 m
// on both sides of a corridor, each with a door to it in the middle of its
// corridor wall, reader R-L0-S02 in the middle of room S02.
func TestWallsBetween(t *testing.T) {
	plan, err := floorplans.LoadFile("../testdata/datasets/synthetic-clinic/floorplan.geojson")
	if err != nil {
		t.Fatal(err)
	}
	s := newSite(plan, Defaults())
	rd := &s.readers[s.readerOf["R-L0-S02"]]
	cases := []struct {
		what string
		x, y float64
		want int
	}{
		{"same room", 12, 2, 0},
		{"next room, through the side wall", 19, 4, 1},
		{"corridor, through the room's door", 13.75, 9.4, 0},
		{"corridor, through the next room", 20, 9.4, 2},
		{"room across the corridor, through both doors", 13.75, 14, 0},
		{"room across the corridor, beside both doors", 11.5, 17, 2},
	}
	for _, c := range cases {
		room := s.roomAt(0, c.x, c.y)
		if got := rd.wallsBetween(0, c.x, c.y, room); got != c.want {
			t.Errorf("%s (%.2f, %.2f): %d walls, want %d", c.what, c.x, c.y, got, c.want)
		}
	}
	open, err := floorplans.LoadFile("../testdata/datasets/danis-tetam/floorplan.geojson")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range newSite(open, Defaults()).readers {
		if r.walls != nil || r.wallsBetween(0, 1, 1, -1) != 0 {
			t.Errorf("open plan: reader %s has walls", r.id)
		}
	}
}

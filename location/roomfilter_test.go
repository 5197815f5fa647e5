package location

import (
	"slices"
	"testing"

	"github.com/hospitalrtls/rtls/floorplans"
)

// TestRoomFilter drives the room filter with particle masses on the
// clinic's plan (rooms S02 and S03 side by side, both with a door to the
// corridor and none between them): a short swing of the particles into the
// room behind the wall does not move the report, a lasting move into the
// corridor does within a few epochs, and an RFID portal's read moves it at
// once.
func TestRoomFilter(t *testing.T) {
	plan, err := floorplans.LoadFile("../testdata/datasets/synthetic-clinic/floorplan.geojson")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Defaults()
	s := newSite(plan, cfg)
	s02, s03, cor := s.roomOf["L0-S02"], s.roomOf["L0-S03"], s.roomOf["L0-COR"]
	if !slices.Contains(s.roomAdj[s02], int32(s.roomLocal[cor])) || slices.Contains(s.roomAdj[s02], int32(s.roomLocal[s03])) {
		t.Fatalf("door graph: S02's neighbours %v, want the corridor (%d) and not S03 (%d)", s.roomAdj[s02], s.roomLocal[cor], s.roomLocal[s03])
	}
	tr := newTracker("pump", cfg, 1)
	now := int64(0)
	step := func(moving float64, ms ...roomMass) int {
		now += 1000
		total := 0.0
		for _, m := range ms {
			total += m.w
		}
		tr.room = tr.decideRoom(s, now, ms, total, moving, 1, cfg.RoomSwitchProb, -1)
		return tr.room
	}
	for i := 0; i < 30; i++ {
		step(0.05, roomMass{s02, 0.9}, roomMass{cor, 0.1})
	}
	if tr.room != s02 {
		t.Fatalf("settled in %d, want S02 (%d)", tr.room, s02)
	}
	for i := 0; i < 2; i++ {
		if got := step(0.05, roomMass{s03, 0.8}, roomMass{s02, 0.2}); got != s02 {
			t.Fatalf("a %d s swing into the room behind the wall moved the report to %d", i+1, got)
		}
	}
	for i := 0; i < 3; i++ {
		step(0.05, roomMass{s02, 0.9}, roomMass{cor, 0.1})
	}
	switched := 0
	for i := 1; i <= 10 && switched == 0; i++ {
		if step(0.6, roomMass{cor, 0.9}, roomMass{s02, 0.1}) == cor {
			switched = i
		}
	}
	if switched < 2 || switched > 5 {
		t.Errorf("a walk into the corridor reported after %d epochs, want 2-5 (0: never)", switched)
	}
	now += 1000
	if got := tr.decideRoom(s, now, []roomMass{{cor, 1}}, 1, 0.6, 1, cfg.RoomSwitchProb, s03); got != s03 {
		t.Errorf("portal read in S03 reported room %d, want %d", got, s03)
	}
}

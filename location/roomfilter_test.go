package location

import (
	"math"
	"slices"
	"testing"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/demo"
)

// TestRoomFilter drives the room filter with particle masses on the
// clinic's plan (rooms S02 and S03 side by side, both with a door to the
// corridor and none between them): a short swing of the particles into the
// room behind the wall does not move the report, a lasting move into the
// corridor does within a few epochs, and an RFID portal's read moves it at
// once.
func TestRoomFilter(t *testing.T) {
	cfg, s, s02, s03, cor := clinicRooms(t)
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

// TestRoomTemper checks the power of an epoch's room evidence: full for
// three readers of the tag's level at the default σ (6 dB, the prior
// before anything is learned), a third for one, nothing for readers of
// another level only, and full for an epoch without ranging readings.
func TestRoomTemper(t *testing.T) {
	plan, err := floorplans.Parse(demo.Floorplan(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(plan, Defaults())
	if err != nil {
		t.Fatal(err)
	}
	s := e.site
	if len(s.levels) < 2 || len(s.levels[0].readers) < 3 || len(s.levels[1].readers) < 1 {
		t.Fatalf("the demo plan has %d levels: want two with readers", len(s.levels))
	}
	l0, l1 := s.levels[0].readers, s.levels[1].readers
	heard := func(rs ...int) []obs {
		out := make([]obs, len(rs))
		for i, r := range rs {
			out[i] = obs{reader: r, rssi: -70, n: 1}
		}
		return out
	}
	for _, c := range []struct {
		name    string
		ranging []obs
		want    float64
	}{
		{"three on the level", heard(l0[0], l0[1], l0[2]), 1},
		{"one on the level", heard(l0[0]), 1.0 / 3},
		{"one on the level, one above", heard(l0[0], l1[0]), 1.0 / 3},
		{"one above only", heard(l1[0]), 0},
		{"no ranging reading", nil, 1},
	} {
		if got := e.roomTemper(c.ranging, 0, 1000); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: κ %v, want %v", c.name, got, c.want)
		}
	}
}

// TestTemperedEvidence checks the tempered update against the exact
// powers of the evidence (share plus floor)^κ, normalised, and that a
// tempered filter follows a lasting move into the corridor later than a
// full one and never without evidence (κ = 0).
func TestTemperedEvidence(t *testing.T) {
	cfg, s, s02, s03, cor := clinicRooms(t)
	ms := []roomMass{{s02, 0.55}, {cor, 0.3}, {s03, 0.15}}
	for _, kappa := range []float64{0, 0.2, 0.5, 0.9} {
		tr := newTracker("pump", cfg, 1)
		tr.rooms = roomBelief{p: make([]float32, len(s.levels[0].rooms))}
		for i := range tr.rooms.p {
			tr.rooms.p[i] = 1
		}
		tr.temperedEvidence(s, ms, 1, kappa)
		want := make([]float64, len(tr.rooms.p))
		for i := range want {
			want[i] = math.Pow(roomEvidenceFloor, kappa)
		}
		for _, m := range ms {
			want[s.roomLocal[m.room]] = math.Pow(m.w+roomEvidenceFloor, kappa)
		}
		var gotSum, wantSum float64
		for i := range want {
			gotSum += float64(tr.rooms.p[i])
			wantSum += want[i]
		}
		for i := range want {
			if got, w := float64(tr.rooms.p[i])/gotSum, want[i]/wantSum; math.Abs(got-w) > 1e-3*w {
				t.Errorf("κ %v: room %d's share %v, want %v", kappa, i, got, w)
			}
		}
	}
	switchAfter := func(kappa float64) int {
		tr := newTracker("pump", cfg, 1)
		now := int64(0)
		for i := 0; i < 30; i++ {
			now += 1000
			tr.room = tr.decideRoom(s, now, []roomMass{{s02, 0.9}, {cor, 0.1}}, 1, 0.05, 1, cfg.RoomSwitchProb, -1)
		}
		for i := 1; i <= 20; i++ {
			now += 1000
			if tr.room = tr.decideRoom(s, now, []roomMass{{cor, 0.9}, {s02, 0.1}}, 1, 0.6, kappa, cfg.RoomSwitchProb, -1); tr.room == cor {
				return i
			}
		}
		return 0
	}
	full, tempered, none := switchAfter(1), switchAfter(1.0/3), switchAfter(0)
	if full == 0 || tempered <= full || none != 0 {
		t.Errorf("a walk into the corridor reported after %d epochs with full evidence, %d with κ 1/3, %d with none; want the first the soonest and none never (0)", full, tempered, none)
	}
}

// clinicRooms returns the default configuration, the clinic's site and
// its rooms S02 and S03 (side by side, no door between them) and the
// corridor both open onto.
func clinicRooms(t *testing.T) (cfg Config, s *site, s02, s03, cor int) {
	t.Helper()
	plan, err := floorplans.LoadFile("../testdata/datasets/synthetic-clinic/floorplan.geojson")
	if err != nil {
		t.Fatal(err)
	}
	cfg = Defaults()
	s = newSite(plan, cfg)
	return cfg, s, s.roomOf["L0-S02"], s.roomOf["L0-S03"], s.roomOf["L0-COR"]
}

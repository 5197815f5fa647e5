package location

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// TestPackKeepsParticles checks that a tag's particles come back from
// pack and unpack as they were (a standing particle has no velocity, a
// room's particle is on the room's level), their positions to within half
// a step of their level's frame (and at its edge when beyond it), and
// unchanged by a second round: with one weight for the set when all are equal (as
// after resampling), and each its own when they differ (a filter with so
// few particles that it weighs without resampling).
func TestPackKeepsParticles(t *testing.T) {
	s := &site{levels: []siteLevel{{frame: posFrame{minX: -50, minY: -60, unit: 1.0 / 512, perUnit: 512}},
		{frame: posFrame{minX: 10, minY: 0, unit: 1.0 / 1024, perUnit: 1024}}},
		rooms: []siteRoom{{level: 1}, {level: 0}, {level: 1}}}
	for i := range s.rooms {
		r := &s.rooms[i]
		r.bound, r.rect = orb.Bound{Min: orb.Point{0, -5}, Max: orb.Point{40, 10}}, true
		r.frame = roomFrame(r.bound)
	}
	e := &Engine{cfg: Config{Particles: 4}, site: s}
	for _, tc := range []struct {
		name    string
		w       []float32
		perEach bool
	}{
		{"equal weights", []float32{0.25, 0.25, 0.25, 0.25}, false},
		{"different weights", []float32{0.1, 0.2, 0.3, 0.4}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &tracker{}
			want := make([]particle, len(tc.w))
			for i, w := range tc.w {
				want[i] = particle{x: float32(i)*7.3 + 10.123456, y: -float32(i)*1.1 + 3.3333, w: w,
					room: int16(i - 1), level: int8(i % 2), moving: i%2 == 1}
				if want[i].moving {
					want[i].vx, want[i].vy = int16(10*i), -3
				}
			}
			// beyond level 0's frame (in no room): kept at its edge
			want[0].x, want[0].y = 200, 1000
			edge := [2]float32{float32(-50 + 65535.0/512), float32(-60 + 65535.0/512)}
			tr.ps = append([]particle(nil), want...)
			tr.pack(e)
			if tr.ps != nil {
				t.Fatal("pack kept the update's buffer")
			}
			if got := tr.ws != nil; got != tc.perEach {
				t.Errorf("weights kept per particle: %v, want %v", got, tc.perEach)
			}
			got := tr.unpack(s, make([]particle, 0, e.cfg.Particles))
			if len(got) != len(want) {
				t.Fatalf("%d particles back, want %d", len(got), len(want))
			}
			for i := range want {
				g, w := got[i], want[i]
				unit := s.levels[w.level].frame.unit
				if w.room >= 0 {
					unit = s.rooms[w.room].frame.unit
				}
				if i == 0 {
					w.x, w.y = edge[0], edge[1]
				}
				if math.Abs(float64(g.x-w.x)) > unit/2+1e-5 || math.Abs(float64(g.y-w.y)) > unit/2+1e-5 {
					t.Errorf("particle %d at (%v, %v), want within %v of (%v, %v)", i, g.x, g.y, unit/2, w.x, w.y)
				}
				g.x, g.y = w.x, w.y
				if g != w {
					t.Errorf("particle %d: %+v, want %+v", i, got[i], want[i])
				}
			}
			again := append([]particle(nil), got...)
			tr.ps = again
			tr.pack(e)
			for i, p := range tr.unpack(s, make([]particle, 0, e.cfg.Particles)) {
				if p != got[i] {
					t.Errorf("particle %d moved on a second round: %+v, then %+v", i, got[i], p)
				}
			}
		})
	}
}

// TestPackKeepsRoomSide checks that a particle whose nearest frame step
// lies across its room's wall is kept on the room's side, and one whose
// nearest step is inside is kept there.
func TestPackKeepsRoomSide(t *testing.T) {
	room := siteRoom{level: 0, rect: true, bound: orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1.0025, 1.0025}},
		frame: posFrame{unit: 1.0 / 256, perUnit: 256}}
	s := &site{levels: []siteLevel{{}}, rooms: []siteRoom{room}}
	e := &Engine{cfg: Config{Particles: 2}, site: s}
	tr := &tracker{ps: []particle{{x: 1.0024, y: 0.5, room: 0}, {x: 1.0018, y: 1.0024, room: 0}}}
	tr.pack(e)
	for i, p := range tr.unpack(s, make([]particle, 0, 2)) {
		if !room.contains(float64(p.x), float64(p.y)) {
			t.Errorf("particle %d kept at (%v, %v), outside its room", i, p.x, p.y)
		}
		if p.x != 1 {
			t.Errorf("particle %d kept at x %v, want 1 (the step inside)", i, p.x)
		}
	}
}

package location

import (
	"testing"
)

// TestPackKeepsParticles checks that a tag's particles come back from
// pack and unpack as they were (a standing particle has no velocity, a
// room's particle is on the room's level): with one weight for the set
// when all are equal (as after resampling), and each its own when they
// differ (a filter with so few particles that it weighs without
// resampling).
func TestPackKeepsParticles(t *testing.T) {
	s := &site{levels: make([]siteLevel, 2), rooms: []siteRoom{{level: 1}, {level: 0}, {level: 1}}}
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
				if got[i] != want[i] {
					t.Errorf("particle %d: %+v, want %+v", i, got[i], want[i])
				}
			}
		})
	}
}

package location

import (
	"testing"
)

// TestPackKeepsParticles checks that a tag's particles come back from
// pack and unpack as they were: with one weight for the set when all are
// equal (as after resampling), and each its own when they differ (a
// filter with so few particles that it weighs without resampling).
func TestPackKeepsParticles(t *testing.T) {
	e := &Engine{cfg: Config{Particles: 4}}
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
				want[i] = particle{x: float32(i) + 0.5, y: -float32(i), vx: int16(10 * i), vy: -3, w: w,
					room: int16(i - 1), level: int8(i % 2), moving: i%2 == 1}
			}
			tr.ps = append([]particle(nil), want...)
			tr.pack(e)
			if tr.ps != nil {
				t.Fatal("pack kept the update's buffer")
			}
			if got := tr.ws != nil; got != tc.perEach {
				t.Errorf("weights kept per particle: %v, want %v", got, tc.perEach)
			}
			got := tr.unpack(make([]particle, 0, e.cfg.Particles))
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

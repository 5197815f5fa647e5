package sim

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkStep times one simulated second (1 s step, sightings drained)
// on the demo ward, with the usual cadence (1 Hz moving, 0.2 Hz still) and
// with every tag at 1 Hz. One op must stay well under a second of one core
// for the tag count to run in real time.
func BenchmarkStep(b *testing.B) {
	plan := demoPlan(b)
	for _, c := range []struct {
		n     int
		still time.Duration
	}{{1000, 5 * time.Second}, {1000, time.Second}, {20000, 5 * time.Second}, {20000, time.Second}} {
		b.Run(fmt.Sprintf("tags=%d/still=%s", c.n, c.still), func(b *testing.B) {
			cfg := DefaultConfig(1)
			cfg.StillInterval = c.still
			s, err := New(plan, Generate(demoTags(), c.n), cfg)
			if err != nil {
				b.Fatal(err)
			}
			for range 30 { // warm the wall caches and queues
				s.Step(time.Second)
				s.Sightings()
			}
			b.ReportAllocs()
			b.ResetTimer()
			var sightings int
			for b.Loop() {
				s.Step(time.Second)
				sightings += len(s.Sightings())
			}
			b.ReportMetric(float64(sightings)/float64(b.N), "sightings/op")
		})
	}
}

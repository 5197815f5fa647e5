package geofence

import (
	"fmt"
	"testing"

	"github.com/hospitalrtls/rtls/location"
)

// benchEngine returns an engine on the clinic with every rule type and n
// mover tags, each observed once per second for 30 s, and no dirty parts.
func benchEngine(b *testing.B, n int) (*Engine, *mover) {
	plan := clinicPlan(b)
	m := newMover(plan, n)
	e, err := New(plan, Config{Zones: []Zone{desk}}, clinicRuleSet, m.registry(b))
	if err != nil {
		b.Fatal(err)
	}
	var p location.Position
	for s := range int64(30) {
		for i := range n {
			m.at(&p, i, s)
			e.Observe(p)
		}
		e.Tick(s * 1000)
	}
	e.TakeDirty()
	return e, m
}

func BenchmarkTakeDirty(b *testing.B) {
	const n = 50000
	e, m := benchEngine(b, n)
	s := int64(30) // the next second to observe
	for _, pct := range []int{10, 100} {
		b.Run(fmt.Sprintf("tags=%d/dirty=%d%%", n, pct), func(b *testing.B) {
			every := 100 / pct
			var p location.Position
			parts, size := 0, 0
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				for i := int(s) % every; i < n; i += every {
					m.at(&p, i, s)
					e.Observe(p)
				}
				s++
				b.StartTimer()
				for k, v := range e.TakeDirty() {
					if k != GlobalPart {
						parts++
						size += len(v)
					}
				}
			}
			b.ReportMetric(float64(parts)/float64(b.N), "parts/op")
			b.ReportMetric(float64(size)/float64(parts), "B/part")
		})
	}
}

func BenchmarkRestoreParts(b *testing.B) {
	const n = 50000
	e, _ := benchEngine(b, n)
	saved := partStore{}
	e.delta.force = true
	for _, t := range e.tags {
		e.touch(t)
	}
	saved.save(e)
	size := 0
	for _, v := range saved {
		size += len(v)
	}
	b.Run(fmt.Sprintf("tags=%d", n), func(b *testing.B) {
		b.SetBytes(int64(size))
		b.ReportAllocs()
		for b.Loop() {
			if err := e.RestoreParts(saved); err != nil {
				b.Fatal(err)
			}
		}
	})
}

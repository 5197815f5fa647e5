package route

import (
	"fmt"
	"github.com/hospitalrtls/rtls/internal/cputime"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"
)

// benchSizes are the synthetic plans benchmarked: rooms in total, on
// levels levels of teeth corridors each.
var benchSizes = []struct{ rooms, levels, teeth int }{
	{200, 2, 2},
	{2000, 4, 10},
}

// cpuPerOp runs op in a benchmark loop and reports its CPU time per op.
func cpuPerOp(b *testing.B, op func()) {
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t0, n := cputime.Thread(), 0
	for b.Loop() {
		op()
		n++
	}
	b.ReportMetric(float64(cputime.Thread()-t0)/float64(n), "cpu-ns/op")
}

func BenchmarkNew(b *testing.B) {
	for _, sz := range benchSizes {
		s := genPlan(b, sz.levels, sz.teeth, sz.rooms)
		b.Run(fmt.Sprintf("rooms=%d", len(s.plan.Rooms)), func(b *testing.B) {
			cpuPerOp(b, func() {
				if _, err := New(s.plan, Options{}); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

func BenchmarkFrom(b *testing.B) {
	for _, sz := range benchSizes {
		s := genPlan(b, sz.levels, sz.teeth, sz.rooms)
		r, err := New(s.plan, Options{})
		if err != nil {
			b.Fatal(err)
		}
		origin := Place{Room: s.rooms[0].ID}
		b.Run(fmt.Sprintf("rooms=%d/nodes=%d/edges=%d", len(s.plan.Rooms), len(r.nodes), len(r.edges)), func(b *testing.B) {
			cpuPerOp(b, func() {
				if _, err := r.From(origin); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkDistance is the cost of one candidate, by the kind of room it
// is in: a patient room (one door), a tooth corridor (a door per room
// along it), the non-convex spine.
func BenchmarkDistance(b *testing.B) {
	s := genPlan(b, 4, 10, 2000)
	r, err := New(s.plan, Options{})
	if err != nil {
		b.Fatal(err)
	}
	f := from(b, r, Place{Room: s.rooms[0].ID})
	for _, c := range []struct {
		name string
		to   Place
	}{
		{"room=patient", at("L3-T05-3-1", 20, 143)},
		{fmt.Sprintf("room=tooth/doors=%d", s.perTooth+1), at("L3-T05", 40, 92.5)},
		{"room=spine/nonconvex", at("L3-SPINE", 1.5, 80)},
	} {
		b.Run(fmt.Sprintf("rooms=%d/%s", len(s.plan.Rooms), c.name), func(b *testing.B) {
			cpuPerOp(b, func() {
				if _, ok := f.Distance(c.to); !ok {
					b.Fatal("unreachable")
				}
			})
		})
	}
}

// BenchmarkFindNearest is the walking-distance core of FindNearest: one
// From, then Nearest over every candidate tag, keeping the limit nearest
// (limit=all: every tag ranked, nothing passed over). 15% of the tags are
// in corridors, the rest in patient rooms; origins vary over the patient
// rooms. It reports the median and 99th percentile of the CPU time per
// query (the machine the numbers were taken on is shared: ns/op counts
// the wait for a core too).
func BenchmarkFindNearest(b *testing.B) {
	for _, sz := range benchSizes {
		s := genPlan(b, sz.levels, sz.teeth, sz.rooms)
		r, err := New(s.plan, Options{})
		if err != nil {
			b.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(7, 9))
		for _, tags := range []int{5000, 50000} {
			cands := s.tags(tags, 0.15, rng)
			for _, limit := range []int{10, 0} {
				name := fmt.Sprintf("rooms=%d/tags=%d/limit=%d", len(s.plan.Rooms), tags, limit)
				if limit == 0 {
					name = fmt.Sprintf("rooms=%d/tags=%d/limit=all", len(s.plan.Rooms), tags)
				}
				b.Run(name, func(b *testing.B) { benchNearest(b, r, s, cands, limit) })
			}
		}
	}
}

func benchNearest(b *testing.B, r *Router, s *synthetic, cands []Candidate, limit int) {
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var times []time.Duration
	i := 0
	for b.Loop() {
		t0 := cputime.Thread()
		f, err := r.From(Place{Room: s.rooms[i%len(s.rooms)].ID})
		if err != nil {
			b.Fatal(err)
		}
		if hits := f.Nearest(cands, limit); len(hits) == 0 {
			b.Fatal("no hits")
		}
		times = append(times, cputime.Thread()-t0)
		i += 97
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-cpu-ms")
	b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-cpu-ms")
}

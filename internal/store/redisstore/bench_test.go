package redisstore

import (
	"context"
	"testing"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/internal/store"
	"github.com/hospitalrtls/rtls/internal/store/storetest"
	"github.com/hospitalrtls/rtls/location"
)

// BenchmarkApply compares one Apply of 1000 positions ("batch": one script
// call) with the naive one Apply, so one round trip, per position
// ("per-position"); both report ns/position.
func BenchmarkApply(b *testing.B) {
	const tags, batch = 10_000, 1000
	s := open(b, Options{URL: redistest.StartServer(b).URL(), Site: nextSite()})
	w := storetest.NewWorkload(1, tags, 200, 4)
	ctx := context.Background()
	if _, err := s.Apply(ctx, store.Update{Positions: w.All()}); err != nil {
		b.Fatal(err)
	}
	b.Run("mode=batch/tags=10000/positions=1000", func(b *testing.B) {
		bench(b, w, batch, func(ps []location.Position) error {
			_, err := s.Apply(ctx, store.Update{Positions: ps})
			return err
		})
	})
	b.Run("mode=per-position/tags=10000/positions=1000", func(b *testing.B) {
		bench(b, w, batch, func(ps []location.Position) error { return naiveApply(ctx, s, ps) })
	})
}

// bench runs apply on a fresh batch of n positions per iteration.
func bench(b *testing.B, w *storetest.Workload, n int, apply func([]location.Position) error) {
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		ps := w.Batch(n)
		b.StartTimer()
		if err := apply(ps); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/position")
}

// naiveApply is the baseline: one Apply, so one round trip, per position.
func naiveApply(ctx context.Context, s store.Store, ps []location.Position) error {
	for _, p := range ps {
		if _, err := s.Apply(ctx, store.Update{Positions: []location.Position{p}}); err != nil {
			return err
		}
	}
	return nil
}

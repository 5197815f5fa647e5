package storetest

import (
	"context"
	"testing"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/store"
)

// BenchApply compares one Apply of n positions ("batch") with the naive
// one Apply, so one lock or round trip, per position ("per-position"); both
// report ns/position. The store should already hold the workload's tags.
func BenchApply(b *testing.B, s store.Store, w *Workload, n int) {
	ctx := context.Background()
	b.Run("mode=batch/tags=10000/positions=1000", func(b *testing.B) {
		RunBatches(b, w, n, func(ps []location.Position) error {
			_, err := s.Apply(ctx, store.Update{Positions: ps})
			return err
		})
	})
	b.Run("mode=per-position/tags=10000/positions=1000", func(b *testing.B) {
		RunBatches(b, w, n, func(ps []location.Position) error {
			for _, p := range ps {
				if _, err := s.Apply(ctx, store.Update{Positions: []location.Position{p}}); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// RunBatches runs apply on a fresh batch of n positions per iteration and
// reports ns/position.
func RunBatches(b *testing.B, w *Workload, n int, apply func([]location.Position) error) {
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

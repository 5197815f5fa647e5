package redisstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/storetest"
)

// BenchmarkApplyWithFence measures what geofence state parts (32 bytes, one
// per position, as geofence.Engine.TakeDirty gives for moving tags) and a
// Seq add to an Apply of 5000 positions.
func BenchmarkApplyWithFence(b *testing.B) {
	const tags, batch = 50_000, 5000
	s := open(b, Options{URL: redistest.StartServer(b).URL(), Site: nextSite()})
	w := storetest.NewWorkload(1, tags, 200, 4)
	ctx := context.Background()
	if _, err := s.Apply(ctx, store.Update{Positions: w.All()}); err != nil {
		b.Fatal(err)
	}
	part := make([]byte, 32)
	var seq uint64
	for _, fence := range []bool{false, true} {
		b.Run(fmt.Sprintf("fence=%v/tags=%d/positions=%d", fence, tags, batch), func(b *testing.B) {
			storetest.RunBatches(b, w, batch, func(ps []location.Position) error {
				u := store.Update{Positions: ps}
				if fence {
					seq++
					u.Seq, u.Fence = seq, make(map[string][]byte, len(ps))
					for _, p := range ps {
						u.Fence[p.Tag] = part
					}
				}
				_, err := s.Apply(ctx, u)
				return err
			})
		})
	}
}

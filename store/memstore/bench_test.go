package memstore

import (
	"context"
	"testing"

	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/storetest"
)

// BenchmarkApply compares one Apply of 1000 positions ("batch") with the
// naive one Apply per position ("per-position"); both report ns/position.
func BenchmarkApply(b *testing.B) {
	const tags, batch = 10_000, 1000
	s := New(Options{})
	defer s.Close()
	w := storetest.NewWorkload(1, tags, 200, 4)
	ctx := context.Background()
	if _, err := s.Apply(ctx, store.Update{Positions: w.All()}); err != nil {
		b.Fatal(err)
	}
	storetest.BenchApply(b, s, w, batch)
}

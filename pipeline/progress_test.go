package pipeline_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/pipeline"
)

// TestProgressAfterWrite: Config.Progress counts an ingested batch only
// once the watermark passed its sightings and the update with their
// results is in the store: not while the store is down, and all of them
// once it is back.
func TestProgressAfterWrite(t *testing.T) {
	plan, eng, fence := clinicEngines(t, geofence.Config{}, nil)
	clock := &manualClock{now: time.UnixMilli(floodBase)}
	var progress atomic.Uint64
	w := newFaultyWriter(t)
	p := pipeline.New(pipeline.Config{Tick: 5 * time.Millisecond, Clock: clock.Now,
		Progress: func(n uint64) { progress.Store(n) }}, eng, fence, w, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()

	const batches = 5
	for i := range batches {
		ss := []location.Sighting{{TS: floodBase + int64(i)*100, Reader: plan.Readers[0].ID, Tag: "T1", RSSI: -60}}
		if _, err := p.Ingest(context.Background(), ss); err != nil {
			t.Fatal(err)
		}
	}
	w.setDown(true)
	writes := len(w.history())
	eventually(t, "a write fails", func() bool { return len(w.history()) > writes })
	// The watermark passes every sighting; the store is still down.
	clock.set(time.UnixMilli(floodBase + 10_000))
	eventually(t, "failed writes of the update", func() bool { return len(w.history()) > writes+3 })
	if n := progress.Load(); n != 0 {
		t.Fatalf("progress %d while no update with the batches' results was written", n)
	}
	w.setDown(false)
	eventually(t, "progress covers every batch", func() bool { return progress.Load() == batches })
}

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

// TestUpdateWatermark: the update with a tick's positions carries the
// watermark the engine was flushed at (the injected clock minus the
// lateness), which a store with an ingest log records as its progress.
func TestUpdateWatermark(t *testing.T) {
	plan, eng, fence := clinicEngines(t, geofence.Config{}, nil)
	lateness := eng.Config().LatenessMS
	start := int64(1_700_000_000_000)
	var nowMS atomic.Int64
	nowMS.Store(start)
	w := newFaultyWriter(t)
	p := pipeline.New(pipeline.Config{Tick: 5 * time.Millisecond, Clock: func() time.Time { return time.UnixMilli(nowMS.Load()) }},
		eng, fence, w, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()

	ss := []location.Sighting{{TS: start, Reader: plan.Readers[0].ID, Tag: "T1", RSSI: -50}}
	if _, err := p.Ingest(context.Background(), ss); err != nil {
		t.Fatal(err)
	}
	nowMS.Add(5_000) // the watermark passes the sighting's epoch
	want := start + 5_000 - lateness
	eventually(t, "the position written with its watermark", func() bool {
		for _, a := range w.history() {
			if a.err == nil && len(a.u.Positions) > 0 {
				return true
			}
		}
		return false
	})
	for _, a := range w.history() {
		if a.err == nil && len(a.u.Positions) > 0 && a.u.Watermark != want {
			t.Fatalf("update with positions has watermark %d; want %d (clock minus lateness)", a.u.Watermark, want)
		}
	}
}

package pipeline_test

import (
	"context"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

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

// TestEpochDelay: rtls_pipeline_epoch_delay_seconds records, once per
// epoch, how long after the epoch fell due (its end plus the lateness, on
// the injected clock) its positions were flushed and stored, every epoch
// a tick finalises at once included.
func TestEpochDelay(t *testing.T) {
	plan, eng, fence := clinicEngines(t, geofence.Config{}, nil)
	lateness := eng.Config().LatenessMS
	start := int64(1_700_000_000_000) // an epoch's start
	var nowMS atomic.Int64
	nowMS.Store(start)
	reg := prometheus.NewRegistry()
	w := newFaultyWriter(t)
	p := pipeline.New(pipeline.Config{Tick: 5 * time.Millisecond, Clock: func() time.Time { return time.UnixMilli(nowMS.Load()) }},
		eng, fence, w, pipeline.NewMetrics(reg))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()

	delay := func(stage string) (n uint64, sum float64) {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() != "rtls_pipeline_epoch_delay_seconds" {
				continue
			}
			for _, m := range mf.GetMetric() {
				if m.GetLabel()[0].GetValue() == stage {
					return m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()
				}
			}
		}
		return 0, 0
	}
	// the first tick finalises the epoch ending at the watermark, due now
	eventually(t, "the first epoch stored", func() bool { n, _ := delay("stored"); return n > 0 })

	ss := []location.Sighting{{TS: start + 200, Reader: plan.Readers[0].ID, Tag: "T1", RSSI: -50}}
	if _, err := p.Ingest(context.Background(), ss); err != nil {
		t.Fatal(err)
	}
	// The sighting's epoch ends at start+1000 and falls due at
	// start+1000+lateness; the clock jumps 700 ms past that, so one tick
	// finalises the four epochs ending start-2000 ... start+1000, 3.7, 2.7,
	// 1.7 and 0.7 s after they fell due.
	nowMS.Store(start + 1000 + lateness + 700)
	eventually(t, "the sighting's position written", func() bool {
		for _, a := range w.history() {
			if a.err == nil && len(a.u.Positions) > 0 {
				return true
			}
		}
		return false
	})
	for _, stage := range []string{"flushed", "stored"} {
		var n uint64
		var sum float64
		eventually(t, "the delays recorded", func() bool { n, sum = delay(stage); return n == 5 })
		if math.Abs(sum-8.8) > 1e-9 {
			t.Errorf("%s: %d epochs, delays summing to %.3f s; want 5 epochs, 0 + 3.7 + 2.7 + 1.7 + 0.7 s", stage, n, sum)
		}
	}
}

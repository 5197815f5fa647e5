package pipeline_test

import (
	"context"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hospitalrtls/rtls/floorplans"
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
	c := startClocked(t)
	defer c.stop()
	plan, eng, p, w, nowMS, start := c.plan, c.eng, c.p, c.w, &c.nowMS, c.start
	lateness := eng.Config().LatenessMS
	delay := func(stage string) (n uint64, sum float64) {
		for _, m := range series(t, c.reg, "rtls_pipeline_epoch_delay_seconds", "stage", stage) {
			n, sum = n+m.GetHistogram().GetSampleCount(), sum+m.GetHistogram().GetSampleSum()
		}
		return n, sum
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

// TestAheadAtTheTick: the tick that finalises an epoch computes the next
// one ahead, which the tick a second later adopts; a sighting arriving
// for it in between (a retransmission within the lateness) discards it,
// and the epoch is computed when it falls due, from both sightings.
func TestAheadAtTheTick(t *testing.T) {
	for _, late := range []bool{false, true} {
		c := startClocked(t)
		plan, eng, p, w, nowMS, start := c.plan, c.eng, c.p, c.w, &c.nowMS, c.start
		lateness := eng.Config().LatenessMS
		ahead := func(result string) float64 {
			return sumMetric(t, c.reg, "rtls_engine_ahead_epochs_total", "result", result)
		}
		ingest := func(ts int64, reader int) {
			ss := []location.Sighting{{TS: ts, Reader: plan.Readers[reader].ID, Tag: "T1", RSSI: -50}}
			if _, err := p.Ingest(context.Background(), ss); err != nil {
				t.Fatal(err)
			}
		}
		ingest(start+200, 0)
		// the epoch before the sighting's is finalised: the sighting's is
		// computed ahead
		nowMS.Store(start + lateness + 100)
		eventually(t, "the epoch computed ahead", func() bool { return ahead("computed") == 1 })
		want := 0.0
		if late {
			ingest(start+600, 1)
			want = 1
			eventually(t, "the epoch computed ahead discarded", func() bool { return ahead("discarded") == 1 })
		}
		nowMS.Store(start + 1000 + lateness + 100)
		eventually(t, "the sighting's position written", func() bool {
			for _, a := range w.history() {
				for _, pos := range a.u.Positions {
					if a.err == nil && pos.Tag == "T1" && pos.TS == start+1000 {
						return true
					}
				}
			}
			return false
		})
		if got := ahead("discarded"); got != want {
			t.Errorf("late sighting %v: %v epochs computed ahead discarded, want %v", late, got, want)
		}
		c.stop()
		if st := eng.Stats(); st.Accepted != 1+uint64(want) || st.Updates != 1 {
			t.Errorf("late sighting %v: %d sightings accepted, %d positions; want %d and 1", late, st.Accepted, st.Updates, 1+int(want))
		}
	}
}

// clocked is a running pipeline on the clinic whose clock is nowMS (epoch
// ms, from start, an epoch's start), writing to w, its metrics in reg.
type clocked struct {
	plan  *floorplans.Plan
	eng   *location.Engine
	p     *pipeline.Pipeline
	w     *faultyWriter
	reg   *prometheus.Registry
	nowMS atomic.Int64
	start int64
	stop  func() // stops the pipeline and waits for it
}

func startClocked(t *testing.T) *clocked {
	c := &clocked{start: 1_700_000_000_000, reg: prometheus.NewRegistry(), w: newFaultyWriter(t)}
	c.nowMS.Store(c.start)
	plan, eng, fence := clinicEngines(t, geofence.Config{}, nil)
	c.plan, c.eng = plan, eng
	c.p = pipeline.New(pipeline.Config{Tick: 5 * time.Millisecond, Clock: func() time.Time { return time.UnixMilli(c.nowMS.Load()) }},
		eng, fence, c.w, pipeline.NewMetrics(c.reg))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.p.Run(ctx) }()
	c.stop = func() { cancel(); <-done }
	return c
}

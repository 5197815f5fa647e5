package pipeline_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/pipeline"
)

// TestExpectedSightingsAreNotLate: a reader's batch refused before the
// pipeline (the ingest log could not take it: Expect) comes back after
// the 5.03's Max-Age, when the wall clock's watermark has passed it and
// another reader's newer seconds of the same tag were taken. It is taken
// and used, not dropped as late; without the expectation it is refused
// as late (the control). The hold lasts while the reader's batches are behind,
// lifts once they caught up, and an expectation that never comes lapses
// after the retry window.
func TestExpectedSightingsAreNotLate(t *testing.T) {
	for _, expect := range []bool{false, true} {
		plan, eng, fence := clinicEngines(t, geofence.Config{}, nil)
		clock := &manualClock{now: time.UnixMilli(floodBase)}
		metrics := prometheus.NewRegistry()
		expected := pipeline.NewExpected(10*time.Second, clock.Now)
		p := pipeline.New(pipeline.Config{Tick: 5 * time.Millisecond, Clock: clock.Now, Expected: expected},
			eng, fence, newFaultyWriter(t), pipeline.NewMetrics(metrics))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		r := &rig{t: t, reg: metrics}
		a, b := plan.Readers[0].ID, plan.Readers[1].ID
		at := func(ts int64, reader string) []location.Sighting {
			return []location.Sighting{{TS: ts, Reader: reader, Tag: "PUMP", RSSI: -60}}
		}
		// a tick at the clock's time has run
		ticked := func() {
			n := r.metric("rtls_pipeline_ticks_total")
			r.eventually("a tick", func() bool { return r.metric("rtls_pipeline_ticks_total") >= n+2 })
		}

		refusedTS := floodBase - 200
		if expect {
			expected.Expect(b, refusedTS) // the ingest log refused b's batch
		}
		// reader a goes on for 6 s of event and wall time
		for i := range int64(6) {
			if _, err := p.Ingest(context.Background(), at(floodBase+i*1000, a)); err != nil {
				t.Fatal(err)
			}
			clock.set(time.UnixMilli(floodBase + (i+1)*1000))
			ticked()
		}
		if expect && r.metric("rtls_pipeline_hold_seconds") == 0 {
			t.Error("rtls_pipeline_hold_seconds is 0 while a batch is expected")
		}
		// b retries its batch after the Max-Age (5 s): taken when
		// expected; otherwise refused as late (the reader is told none was
		// accepted)
		late, err := p.Ingest(context.Background(), at(refusedTS, b))
		switch {
		case err != nil:
			t.Fatal(err)
		case expect && late != 0:
			t.Fatalf("expected batch: %d sightings not taken as late, want it taken", late)
		case !expect && late != 1:
			t.Fatalf("control without Expect: %d sightings not taken as late, want 1", late)
		}
		clock.set(time.UnixMilli(floodBase + 10_000))
		ticked()
		if late := r.metricWith("rtls_engine_sightings_total", "result", "late_on_arrival") +
			r.metricWith("rtls_engine_sightings_total", "result", "late"); late != 0 {
			t.Errorf("expect %v: %v sightings dropped as late, want 0", expect, late)
		}
		if expect {
			// b is still catching up: held for its next batches
			if r.metric("rtls_pipeline_hold_seconds") == 0 {
				t.Error("hold lifted while b's batches are still behind")
			}
			if _, err := p.Ingest(context.Background(), at(floodBase+9_500, b)); err != nil {
				t.Fatal(err)
			}
			clock.set(time.UnixMilli(floodBase + 10_500))
			ticked()
			if got := r.metric("rtls_pipeline_hold_seconds"); got != 0 {
				t.Errorf("hold %v s after b caught up, want 0", got)
			}
			r.eventually("positions up to the clock", func() bool { return r.metric("rtls_engine_positions_total") >= 6 })
			// an expectation that never comes lapses after the window
			expected.Expect(b, floodBase+5_000)
			clock.set(time.UnixMilli(floodBase + 12_500))
			ticked()
			if r.metric("rtls_pipeline_hold_seconds") == 0 {
				t.Error("not held for a new expectation")
			}
			clock.set(time.UnixMilli(floodBase + 23_000))
			ticked()
			if got := r.metric("rtls_pipeline_hold_seconds"); got != 0 {
				t.Errorf("hold %v s after the retry window passed, want 0", got)
			}
		}
		cancel()
		<-done
	}
}

// TestIngestRefusesLateBatch: sightings behind the finalised watermark (a
// retry come after it) are not taken by Ingest, which says how many (the
// reader is told they were dropped) and they never reach the engine; the
// rest of their batch is taken. The same sighting read from the ingest
// log, already acknowledged, is taken (Take) and counted dropped late on
// arrival, where the acknowledged-then-dropped are measured.
func TestIngestRefusesLateBatch(t *testing.T) {
	plan, eng, fence := clinicEngines(t, geofence.Config{}, nil)
	clock := &manualClock{now: time.UnixMilli(floodBase)}
	metrics := prometheus.NewRegistry()
	p := pipeline.New(pipeline.Config{Tick: 5 * time.Millisecond, Clock: clock.Now},
		eng, fence, newFaultyWriter(t), pipeline.NewMetrics(metrics))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()
	r := &rig{t: t, reg: metrics}
	clock.set(time.UnixMilli(floodBase + 10_000))
	n := r.metric("rtls_pipeline_ticks_total")
	r.eventually("a tick at the new time", func() bool { return r.metric("rtls_pipeline_ticks_total") >= n+2 })

	late := []location.Sighting{{TS: floodBase, Reader: plan.Readers[0].ID, Tag: "PUMP", RSSI: -60}}
	mixed := append([]location.Sighting{{TS: floodBase + 9_500, Reader: plan.Readers[1].ID, Tag: "PUMP", RSSI: -60}}, late...)
	if n, err := p.Ingest(context.Background(), mixed); n != 1 || err != nil {
		t.Fatalf("Ingest of a batch one of two sightings of which is behind the watermark: %d late, %v; want 1", n, err)
	}
	r.eventually("the newer sighting taken", func() bool { return r.metricWith("rtls_engine_sightings_total", "result", "accepted") == 1 })
	if got := r.metric("rtls_engine_sightings_total"); got != 1 {
		t.Errorf("the engine counted %v sightings, want only the newer one", got)
	}
	if err := p.Take(context.Background(), late); err != nil {
		t.Fatalf("Take of a logged batch behind the watermark: %v", err)
	}
	r.eventually("the logged sighting counted late on arrival", func() bool {
		return r.metricWith("rtls_engine_sightings_total", "result", "late_on_arrival") == 1
	})
}

// TestHoldLeavesTagsClosing: a Hold (the ingest log's bar) holds only the
// watermark: a tag's own sightings still finalise its epochs; an Expect (a
// reader's retry) holds those too, until it is released.
func TestHoldLeavesTagsClosing(t *testing.T) {
	for _, hold := range []bool{true, false} {
		plan, eng, fence := clinicEngines(t, geofence.Config{}, nil)
		clock := func() time.Time { return time.UnixMilli(floodBase - 10_000) } // stands before the data
		expected := pipeline.NewExpected(time.Minute, clock)
		metrics := prometheus.NewRegistry()
		p := pipeline.New(pipeline.Config{Tick: 5 * time.Millisecond, Clock: clock, Expected: expected},
			eng, fence, newFaultyWriter(t), pipeline.NewMetrics(metrics))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		r := &rig{t: t, reg: metrics}
		if hold {
			expected.Hold("log", floodBase)
		} else {
			expected.Expect("R-late", floodBase)
		}
		for i := range int64(8) {
			if err := ingestAll(p, []location.Sighting{{TS: floodBase + i*1000, Reader: plan.Readers[0].ID, Tag: "PUMP", RSSI: -60}}); err != nil {
				t.Fatal(err)
			}
		}
		n := r.metric("rtls_pipeline_ticks_total")
		r.eventually("ticks", func() bool { return r.metric("rtls_pipeline_ticks_total") >= n+3 })
		got := r.metric("rtls_engine_positions_total")
		switch {
		case hold && got == 0:
			t.Error("Hold: no position finalised by the tag's own sightings")
		case !hold && got != 0:
			t.Errorf("Expect: %v positions finalised while a retry is expected, want 0", got)
		}
		if !hold {
			expected.Release("R-late")
			r.eventually("positions once released", func() bool { return r.metric("rtls_engine_positions_total") > 0 })
		}
		cancel()
		<-done
	}
}

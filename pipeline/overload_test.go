package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/pipeline"
	"github.com/hospitalrtls/rtls/rfid"
)

// TestOverloadRefusesInsteadOfDropping stalls the pipeline (a registry
// read holds the geofence stage, so the engine stage stops once the ticks
// between them fill up) while readers keep posting, with a clock the test
// moves: once an accepted batch has waited longer than MaxQueueWait,
// Ingest refuses (ErrBusy, 5.03 for the reader), and sheds batches for a
// moment (Shed: refused before decoding). The clock then runs far
// past the lateness before the stall ends, yet every sighting Ingest
// accepted reaches the engine in time: none is dropped after its
// acknowledgement.
func TestOverloadRefusesInsteadOfDropping(t *testing.T) {
	reg, err := geofence.NewRegistry([]geofence.Tag{{ID: "HOLD", Class: "asset"}})
	if err != nil {
		t.Fatal(err)
	}
	plan, eng, fence := clinicEngines(t, geofence.Config{}, reg)
	clock := &manualClock{now: time.UnixMilli(floodBase)}
	metrics := prometheus.NewRegistry()
	w := newFaultyWriter(t)
	p := pipeline.New(pipeline.Config{Tick: 5 * time.Millisecond, MaxQueueWait: time.Second, Clock: clock.Now},
		eng, fence, w, pipeline.NewMetrics(metrics))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()
	r := &rig{t: t, reg: metrics}

	entered, release := make(chan struct{}), make(chan struct{})
	go func() {
		_, err := p.SelectTags(context.Background(), func(geofence.Tag) bool {
			close(entered)
			<-release
			return false
		})
		if err != nil {
			t.Error(err)
		}
	}()
	<-entered

	// Each batch: one sighting of a new tag, 200 ms old by the clock.
	accepted, batch := 0, 0
	ingest := func() error {
		batch++
		ts := clock.Now().UnixMilli() - 200
		return ingestAll(p, []location.Sighting{
			{TS: ts, Reader: plan.Readers[0].ID, Tag: fmt.Sprintf("T%03d", batch), RSSI: -60}})
	}
	// Until the engine stage stops it takes what is queued; once a batch
	// stays queued longer than the bound, Ingest refuses.
	for {
		if batch > 1000 {
			t.Fatal("the engine never stalled")
		}
		err := ingest()
		if err == nil {
			accepted++
		} else if !errors.Is(err, pipeline.ErrBusy) {
			t.Fatalf("Ingest under overload: %v, want ErrBusy", err)
		} else if r.metric("rtls_pipeline_queue_oldest_age_seconds") > 1 {
			break // refused while the oldest batch waits beyond the bound
		}
		clock.set(clock.Now().Add(600 * time.Millisecond))
	}
	refused := r.metricWith("rtls_pipeline_refused_batches_total", "cause", "queue_wait")
	if refused == 0 {
		t.Errorf("no batch refused for its queue wait")
	}
	// right after a refusal for the engine, batches are shed before the
	// reader front decodes them, for rfid.ShedFor
	var rt rfid.Retrier
	if err := p.Shed(); !errors.Is(err, pipeline.ErrBusy) || !errors.As(err, &rt) || rt.RetryAfter() != time.Second {
		t.Errorf("Shed right after a refusal = %v; want ErrBusy asking a retry after 1s", err)
	}
	clock.set(clock.Now().Add(rfid.ShedFor))
	if err := p.Shed(); err != nil {
		t.Errorf("Shed %v after the refusal = %v; want nil", rfid.ShedFor, err)
	}
	// Far past the lateness (3 s) while batches wait: the watermark is
	// held for them.
	clock.set(clock.Now().Add(10 * time.Second))
	close(release)
	r.eventually("the engine takes every accepted sighting", func() bool { return r.sightings() == accepted })
	if got := r.metricWith("rtls_engine_sightings_total", "result", "accepted"); int(got) != accepted {
		t.Fatalf("the engine accepted %v of %d acknowledged sightings (late: %v, late on arrival: %v)", got, accepted,
			r.metricWith("rtls_engine_sightings_total", "result", "late"), r.metricWith("rtls_engine_sightings_total", "result", "late_on_arrival"))
	}
	r.eventually("Ingest takes batches again", func() bool { return ingest() == nil })
	t.Logf("%d batches acknowledged, %v refused; all acknowledged sightings reached the engine", accepted, refused)
}

package pipeline_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/pipeline"
)

// TestBacklogAgeRefusesSightings: while the store is down and the oldest
// unwritten update is older (by the injected clock) than MaxBacklogAge,
// Ingest answers ErrBusy; once the store takes the backlog, Ingest takes
// batches again.
func TestBacklogAgeRefusesSightings(t *testing.T) {
	plan, eng, fence := clinicEngines(t, geofence.Config{}, nil)
	var nowMS atomic.Int64
	nowMS.Store(1_700_000_000_000)
	w := newFaultyWriter(t)
	w.setDown(true)
	p := pipeline.New(pipeline.Config{Tick: 5 * time.Millisecond, MaxBacklogAge: 30 * time.Second,
		Clock: func() time.Time { return time.UnixMilli(nowMS.Load()) }}, eng, fence, w, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()

	ingest := func() error {
		return ingestAll(p, []location.Sighting{{TS: nowMS.Load(), Reader: plan.Readers[0].ID, Tag: "T1", RSSI: -50}})
	}
	if err := ingest(); err != nil {
		t.Fatalf("Ingest with a fresh backlog: %v", err)
	}
	eventually(t, "a write fails", func() bool { return len(w.history()) > 0 })
	nowMS.Add(31_000) // the unwritten update is now 31 s old
	eventually(t, "Ingest refuses", func() bool { return errors.Is(ingest(), pipeline.ErrBusy) })
	w.setDown(false)
	eventually(t, "Ingest takes batches again", func() bool { return ingest() == nil })
}

// TestBacklogBytesRefusesSightings: while the unwritten updates are larger
// than MaxBacklogBytes, Ingest answers ErrBusy; once the store takes them,
// Ingest takes batches again.
func TestBacklogBytesRefusesSightings(t *testing.T) {
	plan, eng, fence := clinicEngines(t, geofence.Config{}, nil)
	w := newFaultyWriter(t)
	w.setDown(true)
	p := pipeline.New(pipeline.Config{Tick: 5 * time.Millisecond, MaxBacklogBytes: 1,
		Clock: func() time.Time { return time.UnixMilli(1_700_000_000_000) }}, eng, fence, w, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()

	ingest := func() error {
		return ingestAll(p, []location.Sighting{{TS: 1_700_000_000_000, Reader: plan.Readers[0].ID, Tag: "T1", RSSI: -50}})
	}
	// The geofence's initial state waits unwritten: more than one byte.
	eventually(t, "a write fails", func() bool { return len(w.history()) > 0 })
	if err := ingest(); !errors.Is(err, pipeline.ErrBusy) {
		t.Fatalf("Ingest over the byte bound: %v, want ErrBusy", err)
	}
	w.setDown(false)
	eventually(t, "Ingest takes batches again", func() bool { return ingest() == nil })
}

// eventually polls cond until it holds, failing the test after waitFor.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

package storetest

import (
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

func testClose(t *testing.T, open Opener) {
	s := open(t, Retention{})
	evs := apply(t, s, store.Update{Events: []geofence.Event{event("T", "R", nowMS())}})
	ch, err := s.WatchPositions(ctx(t))
	if err != nil {
		t.Fatalf("WatchPositions: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = s.ReadEvents(ctx(t), evs[0].ID, 10, guard)
	}()
	time.Sleep(50 * time.Millisecond) // let the reader block first
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	timeout := time.After(guard)
	for open := true; open; {
		select {
		case _, open = <-ch:
		case <-timeout:
			t.Fatal("watch channel still open after Close")
		}
	}
	select {
	case <-done:
	case <-timeout:
		t.Fatal("a blocked ReadEvents did not return after Close")
	}
}

package redisstore

import (
	"slices"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

// guard bounds waits so a broken store fails instead of hanging.
const guard = 10 * time.Second

func TestRestartedServerServesSameState(t *testing.T) {
	url := redistest.StartServer(t).URL()
	opts := Options{URL: url, Site: nextSite()}
	first := open(t, opts)
	ps := []location.Position{
		{TS: 10, Tag: "PUMP-1", Level: "L0", Room: "R1", X: 1.5, Y: 2.25, AccuracyM: 1, RoomProb: 0.9},
		{TS: 11, Tag: "PUMP-2", Level: "L1", Room: "R2", X: -3, Y: 4},
	}
	evs, err := first.Apply(t.Context(), store.Update{Positions: ps, Events: []geofence.Event{
		{Type: geofence.Enter, Tag: "PUMP-1", Zone: "R1", TS: 10},
		{Type: geofence.Enter, Tag: "PUMP-2", Zone: "R2", TS: 11},
	}})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	second := open(t, opts) // a new server process on the same Redis
	for _, p := range ps {
		if got, err := second.GetPosition(t.Context(), p.Tag); err != nil || got != p {
			t.Errorf("GetPosition after restart = %+v, %v; want %+v", got, err, p)
		}
	}
	page, err := second.ListPositions(t.Context(), store.Query{Room: "R2"})
	if err != nil || len(page.Positions) != 1 || page.Positions[0] != ps[1] {
		t.Errorf("room R2 after restart = %+v, %v", page.Positions, err)
	}
	got, err := second.ReadEvents(t.Context(), "0", 10, 0)
	if err != nil || !slices.Equal(got, evs) {
		t.Errorf("ReadEvents after restart = %+v, %v; want %+v", got, err, evs)
	}
	// A client resuming from its last id misses nothing and repeats nothing.
	got, err = second.ReadEvents(t.Context(), evs[0].ID, 10, 0)
	if err != nil || !slices.Equal(got, evs[1:]) {
		t.Errorf("ReadEvents after %s = %+v, %v", evs[0].ID, got, err)
	}
	// The restarted server keeps moving tags between rooms correctly.
	moved := location.Position{TS: 12, Tag: "PUMP-2", Level: "L1", Room: "R3"}
	if _, err := second.Apply(t.Context(), store.Update{Positions: []location.Position{moved}}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if page, _ := second.ListPositions(t.Context(), store.Query{Room: "R2"}); len(page.Positions) != 0 {
		t.Errorf("room R2 after the move = %+v", page.Positions)
	}
}

func TestServersOfOneSiteSeeEachOther(t *testing.T) {
	url := redistest.StartServer(t).URL()
	opts := Options{URL: url, Site: nextSite()}
	writer, reader := open(t, opts), open(t, opts)
	ch, err := reader.WatchPositions(t.Context())
	if err != nil {
		t.Fatalf("WatchPositions: %v", err)
	}
	last, _ := reader.LastEventID(t.Context())
	read := make(chan []geofence.Event, 1)
	go func() {
		evs, _ := reader.ReadEvents(t.Context(), last, 10, guard)
		read <- evs
	}()
	time.Sleep(50 * time.Millisecond) // let the reader block first
	p := location.Position{TS: 1, Tag: "T", Level: "L0", Room: "R"}
	evs, err := writer.Apply(t.Context(), store.Update{Positions: []location.Position{p},
		Events: []geofence.Event{{Type: geofence.Enter, Tag: "T", Zone: "R", TS: 1}}})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	select {
	case got := <-ch:
		if got != p {
			t.Errorf("watched %+v, want %+v", got, p)
		}
	case <-time.After(guard):
		t.Fatal("the other server's watcher saw nothing")
	}
	if got := <-read; !slices.Equal(got, evs) {
		t.Errorf("the other server's blocked reader got %+v, want %+v", got, evs)
	}
}

func TestSitesAreSeparate(t *testing.T) {
	url := redistest.StartServer(t).URL()
	a, b := open(t, Options{URL: url, Site: "a"}), open(t, Options{URL: url, Site: "b"})
	ch, err := b.WatchPositions(t.Context())
	if err != nil {
		t.Fatalf("WatchPositions: %v", err)
	}
	_, err = a.Apply(t.Context(), store.Update{
		Positions: []location.Position{{TS: 1, Tag: "T", Level: "L0", Room: "R"}},
		Events:    []geofence.Event{{Type: geofence.Enter, Tag: "T", Zone: "R", TS: 1}}})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if _, err := b.GetPosition(t.Context(), "T"); err != store.ErrNotFound {
		t.Errorf("site b sees site a's tag (error %v)", err)
	}
	if id, _ := b.LastEventID(t.Context()); id != "0" {
		t.Errorf("site b sees site a's events (last id %s)", id)
	}
	// A position of b itself arrives; a's never does.
	pb := location.Position{TS: 2, Tag: "U", Level: "L0"}
	if _, err := b.Apply(t.Context(), store.Update{Positions: []location.Position{pb}}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if got := <-ch; got != pb {
		t.Errorf("site b watched %+v, want only its own %+v", got, pb)
	}
}

func TestSurvivesRedisRestart(t *testing.T) {
	srv := redistest.StartServer(t)
	s := open(t, Options{URL: srv.URL(), Site: nextSite()})
	ch, err := s.WatchPositions(t.Context())
	if err != nil {
		t.Fatalf("WatchPositions: %v", err)
	}
	srv.Stop()
	p := location.Position{TS: 1, Tag: "T", Level: "L0"}
	if _, err := s.Apply(t.Context(), store.Update{Positions: []location.Position{p}}); err == nil {
		t.Fatal("Apply succeeded while Redis was down")
	}
	srv.Start()
	// Without persistence the restarted Redis is empty; the store reconnects
	// and its watcher receives new positions again.
	deadline := time.After(guard)
	for {
		if _, err := s.Apply(t.Context(), store.Update{Positions: []location.Position{p}}); err == nil {
			select {
			case got := <-ch:
				if got != p {
					t.Fatalf("watched %+v, want %+v", got, p)
				}
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
		select {
		case <-deadline:
			t.Fatal("watcher saw nothing after Redis restarted")
		default:
		}
		p.TS++
	}
}

package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/cursor"
)

func testEvents(t *testing.T, open Opener) {
	s := open(t, Retention{})
	if id, err := s.LastEventID(ctx(t)); err != nil || id != "0" {
		t.Fatalf("LastEventID of an empty store = %q, %v; want \"0\"", id, err)
	}
	if id, err := s.FirstEventID(ctx(t)); err != nil || id != "0" {
		t.Fatalf("FirstEventID of an empty store = %q, %v; want \"0\"", id, err)
	}
	if evs, err := s.ReadEvents(ctx(t), "0", 10, 0); err != nil || len(evs) != 0 {
		t.Fatalf("ReadEvents of an empty store = %v, %v", evs, err)
	}
	now := nowMS()
	in := []geofence.Event{
		event("T1", "R1", now),
		{Type: geofence.BelowPar, Zone: "STORAGE-1", TS: now + 1, Rule: "par-pumps", Trigger: "count", Class: "pump", Count: 3},
		{Type: geofence.Exit, Tag: "T1", Zone: "R1", TS: now + 2},
	}
	var got []geofence.Event
	for i := range in { // one event per update, then all in one
		got = append(got, apply(t, s, store.Update{Events: in[i : i+1]})...)
	}
	got = append(got, apply(t, s, store.Update{Events: in})...)
	want := slices.Concat(in, in)
	checkIDs(t, got)
	for i := range got {
		if w := withID(want[i], got[i].ID); got[i] != w {
			t.Errorf("event %d = %+v, want %+v", i, got[i], w)
		}
	}
	t.Run("LastEventID", func(t *testing.T) {
		if id, err := s.LastEventID(ctx(t)); err != nil || id != got[len(got)-1].ID {
			t.Errorf("LastEventID = %q, %v; want %q", id, err, got[len(got)-1].ID)
		}
		if id, err := s.FirstEventID(ctx(t)); err != nil || id != got[0].ID {
			t.Errorf("FirstEventID = %q, %v; want %q", id, err, got[0].ID)
		}
	})
	t.Run("ReadAll", func(t *testing.T) {
		if all := read(t, s, "0", 100); !slices.Equal(all, got) {
			t.Errorf("ReadEvents(0) = %+v, want %+v", all, got)
		}
	})
	t.Run("ReadAfter", func(t *testing.T) {
		for i := range got {
			if after := read(t, s, got[i].ID, 100); !slices.Equal(after, got[i+1:]) {
				t.Errorf("ReadEvents(after event %d) = %d events, want %d", i, len(after), len(got)-i-1)
			}
		}
		ms, _, _ := strings.Cut(got[2].ID, "-")
		if after := read(t, s, ms, 100); len(after) == 0 || after[len(after)-1] != got[len(got)-1] {
			t.Errorf("ReadEvents(after %q) = %+v", ms, after)
		}
	})
	t.Run("Count", func(t *testing.T) {
		if two := read(t, s, "0", 2); !slices.Equal(two, got[:2]) {
			t.Errorf("ReadEvents(0, count 2) = %+v", two)
		}
		if dflt := read(t, s, "0", 0); !slices.Equal(dflt, got) {
			t.Errorf("ReadEvents(0, count 0) = %d events, want all %d", len(dflt), len(got))
		}
	})
}

func testReadEventsBlocking(t *testing.T, open Opener) {
	s := open(t, Retention{})
	first := apply(t, s, store.Update{Events: []geofence.Event{event("T", "A", nowMS())}})
	t.Run("WaitsForNewEvent", func(t *testing.T) {
		type result struct {
			evs []geofence.Event
			err error
		}
		done := make(chan result, 1)
		go func() {
			evs, err := s.ReadEvents(ctx(t), first[0].ID, 10, guard)
			done <- result{evs, err}
		}()
		time.Sleep(50 * time.Millisecond) // let the reader block first
		want := apply(t, s, store.Update{Events: []geofence.Event{event("T", "B", nowMS())}})
		r := <-done
		if r.err != nil || !slices.Equal(r.evs, want) {
			t.Fatalf("blocked ReadEvents = %+v, %v; want %+v", r.evs, r.err, want)
		}
	})
	t.Run("TimeoutIsEmpty", func(t *testing.T) {
		last, err := s.LastEventID(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		evs, err := s.ReadEvents(ctx(t), last, 10, 20*time.Millisecond)
		if err != nil || len(evs) != 0 {
			t.Fatalf("ReadEvents after the newest = %+v, %v; want none", evs, err)
		}
	})
	t.Run("ContextEnds", func(t *testing.T) {
		last, _ := s.LastEventID(ctx(t))
		c, cancel := context.WithTimeout(ctx(t), 20*time.Millisecond)
		defer cancel()
		evs, err := s.ReadEvents(c, last, 10, time.Hour)
		if len(evs) != 0 || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("ReadEvents with an ending context = %+v, %v; want DeadlineExceeded", evs, err)
		}
	})
}

// read returns ReadEvents without blocking, failing on error.
func read(t *testing.T, s store.Store, after string, n int) []geofence.Event {
	t.Helper()
	evs, err := s.ReadEvents(ctx(t), after, n, 0)
	if err != nil {
		t.Fatalf("ReadEvents(%q): %v", after, err)
	}
	return evs
}

// checkIDs fails unless the events' ids are "<ms>-<seq>" and strictly increase.
func checkIDs(t *testing.T, evs []geofence.Event) {
	t.Helper()
	var prev cursor.ID
	for i, e := range evs {
		id, err := cursor.ParseID(e.ID)
		if err != nil || id.String() != e.ID {
			t.Fatalf("event %d id %q is not <ms>-<seq>", i, e.ID)
		}
		if i > 0 && id.Compare(prev) <= 0 {
			t.Fatalf("event %d id %q does not follow %q", i, e.ID, evs[i-1].ID)
		}
		prev = id
	}
}

// compareIDs orders stream ids; an id that does not parse sorts first.
func compareIDs(a, b string) int {
	x, _ := cursor.ParseID(a)
	y, _ := cursor.ParseID(b)
	return x.Compare(y)
}

func withID(e geofence.Event, id string) geofence.Event {
	e.ID = id
	return e
}

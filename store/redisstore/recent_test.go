package redisstore

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/cursor"
	"github.com/redis/go-redis/v9"
)

// zones returns the zones of evs, to compare reads in one line.
func zones(evs []geofence.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Zone
	}
	return out
}

func enterAt(zone string) geofence.Event {
	return geofence.Event{Type: geofence.Enter, Tag: "T", Zone: zone, TS: 1}
}

// xadd returns the XADD of e to stream, as another writer would append it.
func xadd(stream string, e geofence.Event) *redis.XAddArgs {
	fields := appendEventArgs(nil, e)[1:]
	return &redis.XAddArgs{Stream: stream, Values: fields}
}

func TestRecentEventsServeThisStoresReaders(t *testing.T) {
	srv := redistest.StartServer(t)
	ctx := t.Context()
	apply := func(s *Store, zs ...string) []geofence.Event {
		t.Helper()
		u := store.Update{}
		for _, z := range zs {
			u.Events = append(u.Events, enterAt(z))
		}
		out, err := s.Apply(ctx, u)
		if err != nil {
			t.Fatalf("Apply: %v", err)
		}
		return out
	}
	read := func(s *Store, after string) []string {
		t.Helper()
		evs, err := s.ReadEvents(ctx, after, 100, 0)
		if err != nil {
			t.Fatalf("ReadEvents: %v", err)
		}
		return zones(evs)
	}
	foreign := func(s *Store, zone string) {
		t.Helper()
		if err := s.rdb.XAdd(ctx, xadd(s.keys.events, enterAt(zone))).Err(); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("served without the stream", func(t *testing.T) {
		s := open(t, Options{URL: srv.URL(), Site: nextSite()})
		evs := apply(s, "A", "B")
		// the stream gone behind the store's back: what it wrote last is
		// still read from memory, as it was written
		if err := s.rdb.Del(ctx, s.keys.events).Err(); err != nil {
			t.Fatal(err)
		}
		if got := read(s, "0"); !slices.Equal(got, []string{"A", "B"}) {
			t.Errorf("after 0: %v, want [A B]", got)
		}
		if got := read(s, evs[0].ID); !slices.Equal(got, []string{"B"}) {
			t.Errorf("after A: %v, want [B]", got)
		}
		// at the run's last event the stream is read
		if got := read(s, evs[1].ID); len(got) != 0 {
			t.Errorf("after B: %v, want none", got)
		}
	})

	t.Run("another writer's events between", func(t *testing.T) {
		s := open(t, Options{URL: srv.URL(), Site: nextSite()})
		a := apply(s, "A")
		foreign(s, "F")
		// at the run's last id: the stream is read, F is not lost
		if got := read(s, a[0].ID); !slices.Equal(got, []string{"F"}) {
			t.Errorf("after A: %v, want [F]", got)
		}
		apply(s, "B", "C")
		// the run restarted after F: a reader after A reads the stream
		if got := read(s, a[0].ID); !slices.Equal(got, []string{"F", "B", "C"}) {
			t.Errorf("after A: %v, want [F B C]", got)
		}
	})

	t.Run("a rollback drops the copy", func(t *testing.T) {
		s := open(t, Options{URL: srv.URL(), Site: nextSite()})
		if _, err := s.Apply(ctx, store.Update{Seq: 1, Events: []geofence.Event{enterAt("A")}}); err != nil {
			t.Fatal(err)
		}
		// a replica without the write takes over: the stream and the Seq
		// are gone; the next write, without events, finds the Seq lower
		if err := s.rdb.Del(ctx, s.keys.events, s.keys.seq).Err(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Apply(ctx, store.Update{Seq: 2, Positions: []location.Position{{Tag: "T", TS: 1}}}); err != nil {
			t.Fatal(err)
		}
		if s.RolledBack() == 0 {
			t.Fatal("the rollback was not noticed")
		}
		if got := read(s, "0"); len(got) != 0 {
			t.Errorf("after 0: %v, want none (the stream lost A)", got)
		}
	})

	t.Run("a reader on another store", func(t *testing.T) {
		site := nextSite()
		w := open(t, Options{URL: srv.URL(), Site: site})
		r := open(t, Options{URL: srv.URL(), Site: site})
		apply(w, "A", "B")
		if got := read(r, "0"); !slices.Equal(got, []string{"A", "B"}) {
			t.Errorf("other store after 0: %v, want [A B]", got)
		}
	})

	t.Run("a blocked reader is woken by the write", func(t *testing.T) {
		s := open(t, Options{URL: srv.URL(), Site: nextSite()})
		last, err := s.LastEventID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan []string, 1)
		go func() {
			evs, _ := s.ReadEvents(ctx, last, 100, 10*time.Minute)
			got <- zones(evs)
		}()
		// the reader may block before or after the write: either way it
		// gets A (the write wakes it, or it reads A at once)
		apply(s, "A")
		if g := <-got; !slices.Equal(g, []string{"A"}) {
			t.Errorf("blocked reader got %v, want [A]", g)
		}
	})
}

func TestRecentRun(t *testing.T) {
	id := func(ms uint64) string { return fmt.Sprintf("%d-0", ms) }
	evs := func(ms ...uint64) []geofence.Event {
		out := make([]geofence.Event, len(ms))
		for i, m := range ms {
			out[i] = geofence.Event{ID: id(m), Zone: id(m)}
		}
		return out
	}
	after := func(r *recent, ms uint64, n int) ([]string, bool) {
		p, _ := cursor.ParseID(id(ms))
		got, ok := r.after(p, n)
		return zones(got), ok
	}
	var r recent
	if _, ok := after(&r, 0, 10); ok {
		t.Fatal("an empty run answers")
	}
	r.set(id(4), evs(5, 6, 9), 0, 0)
	for _, tt := range []struct {
		after uint64
		n     int
		want  []string
		ok    bool
	}{
		{3, 10, nil, false}, // before base: the stream may hold more before 5
		{4, 10, []string{id(5), id(6), id(9)}, true},
		{4, 2, []string{id(5), id(6)}, true},
		{5, 10, []string{id(6), id(9)}, true},
		{7, 10, []string{id(9)}, true}, // between entries: what follows
		{9, 10, nil, false},            // the run's last: the stream may hold more
		{10, 10, nil, false},
	} {
		got, ok := after(&r, tt.after, tt.n)
		if ok != tt.ok || ok && !slices.Equal(got, tt.want) {
			t.Errorf("after %d = %v, %v; want %v, %v", tt.after, got, ok, tt.want, tt.ok)
		}
	}
	// a write that retention may have cut in its own script is not kept
	r.set(id(9), evs(10, 11, 12), 2, 0)
	if _, ok := after(&r, 9, 10); ok {
		t.Error("a write of more than maxLen events answers")
	}
	r.set(id(9), evs(10, 200), 0, 100*time.Millisecond)
	if _, ok := after(&r, 9, 10); ok {
		t.Error("a write spanning maxAge answers")
	}
	r.set(id(9), evs(10, 11), 2, 100*time.Millisecond)
	if got, ok := after(&r, 9, 10); !ok || !slices.Equal(got, []string{id(10), id(11)}) {
		t.Errorf("after 9 = %v, %v", got, ok)
	}
	r.reset()
	if _, ok := after(&r, 9, 10); ok {
		t.Error("a reset run answers")
	}
}

package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

func testRetention(t *testing.T, open Opener) {
	t.Run("MaxLen", func(t *testing.T) {
		s := open(t, Retention{MaxLen: 100})
		var all []geofence.Event
		for range 5 {
			all = append(all, apply(t, s, store.Update{Events: events(100)})...)
		}
		kept := read(t, s, "0", 1000)
		checkSuffix(t, kept, all)
		if id, err := s.FirstEventID(ctx(t)); err != nil || id != kept[0].ID {
			t.Errorf("FirstEventID = %q, %v; want the oldest kept %q", id, err, kept[0].ID)
		}
		if len(kept) < 100 {
			t.Errorf("kept %d events, fewer than MaxLen 100", len(kept))
		}
	})
	t.Run("MaxAge", func(t *testing.T) {
		const age = 100 * time.Millisecond
		s := open(t, Retention{MaxAge: age})
		var all []geofence.Event
		for range 3 {
			all = append(all, apply(t, s, store.Update{Events: events(100)})...)
		}
		time.Sleep(3 * age) // the events above grow older than MaxAge
		all = append(all, apply(t, s, store.Update{Events: events(1)})...)
		checkSuffix(t, read(t, s, "0", 1000), all)
	})
}

// events returns n events with event times of now.
func events(n int) []geofence.Event {
	evs := make([]geofence.Event, n)
	for i := range evs {
		evs[i] = event(tagName(i), "R", nowMS())
	}
	return evs
}

// checkSuffix fails unless kept is a proper, non-empty suffix of all:
// retention dropped the oldest events and only those.
func checkSuffix(t *testing.T, kept, all []geofence.Event) {
	t.Helper()
	switch {
	case len(kept) == 0:
		t.Fatal("retention dropped every event")
	case len(kept) >= len(all):
		t.Fatalf("retention kept all %d events", len(all))
	case !slices.Equal(kept, all[len(all)-len(kept):]):
		t.Fatalf("kept %d events that are not the newest ones", len(kept))
	}
}

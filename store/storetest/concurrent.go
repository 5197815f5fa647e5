package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

func testConcurrent(t *testing.T, open Opener) {
	s := open(t, Retention{})
	const writers, updates = 8, 25
	var wg sync.WaitGroup
	ids := make([][]geofence.Event, writers)
	errs := make(chan error, writers)
	for g := range writers {
		wg.Go(func() {
			room := fmt.Sprintf("R%d", g)
			for i := range updates {
				ts := int64(g*1000 + i)
				u := store.Update{
					Positions: []location.Position{
						pos(fmt.Sprintf("G%d-%02d", g, i), "L0", room, ts),
						pos("SHARED", "L0", room, ts),
					},
					Events: []geofence.Event{event("SHARED", room, ts)},
				}
				evs, err := s.Apply(ctx(t), u)
				if err != nil {
					errs <- err
					return
				}
				ids[g] = append(ids[g], evs...)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Apply: %v", err)
	}
	if n := len(listTags(t, s, store.Query{})); n != writers*updates+1 {
		t.Errorf("%d tags listed, want %d", n, writers*updates+1)
	}
	// The newest position of SHARED wins, and it is in its room only.
	winner := fmt.Sprintf("R%d", writers-1)
	if p := get(t, s, "SHARED"); p.TS != (writers-1)*1000+updates-1 || p.Room != winner {
		t.Errorf("SHARED = ts %d in %s, want the newest", p.TS, p.Room)
	}
	for g := range writers {
		room := fmt.Sprintf("R%d", g)
		if has := slices.Contains(listTags(t, s, store.Query{Room: room}), "SHARED"); has != (room == winner) {
			t.Errorf("room %s lists SHARED: %v", room, has)
		}
	}
	stream := read(t, s, "0", 1000)
	checkIDs(t, stream)
	returned := slices.Concat(ids...)
	slices.SortFunc(returned, func(a, b geofence.Event) int { return compareIDs(a.ID, b.ID) })
	if !slices.Equal(stream, returned) {
		t.Errorf("stream holds %d events, Apply returned %d different ones", len(stream), len(returned))
	}
}

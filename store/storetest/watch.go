package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/store"
)

func testWatch(t *testing.T, open Opener) {
	run(t, open, []named{
		{"SeesLaterApply", testWatchSeesLaterApply},
		{"ClosesWithContext", testWatchCloses},
		{"SlowReaderNeverBlocksWriter", testWatchSlowReader},
	})
}

func testWatchSeesLaterApply(t *testing.T, open Opener) {
	s := open(t, Retention{})
	apply(t, s, store.Update{Positions: []location.Position{pos("EARLY", "L0", "R0", 1)}})
	ch, err := s.WatchPositions(ctx(t))
	if err != nil {
		t.Fatalf("WatchPositions: %v", err)
	}
	want := []location.Position{pos("A", "L0", "R0", 5), pos("B", "L1", "", 6)}
	apply(t, s, store.Update{Positions: want})
	apply(t, s, store.Update{Positions: []location.Position{pos("A", "L0", "R0", 4)}}) // older: skipped
	apply(t, s, store.Update{Positions: []location.Position{pos("C", "L0", "R0", 7)}})
	want = append(want, pos("C", "L0", "R0", 7))
	for _, w := range want {
		if got := receive(t, ch); got != w {
			t.Fatalf("watched %+v, want %+v", got, w)
		}
	}
}

func testWatchCloses(t *testing.T, open Opener) {
	s := open(t, Retention{})
	c, cancel := context.WithCancel(ctx(t))
	ch, err := s.WatchPositions(c)
	if err != nil {
		t.Fatalf("WatchPositions: %v", err)
	}
	cancel()
	timeout := time.After(guard)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatal("channel not closed after its context ended")
		}
	}
}

func testWatchSlowReader(t *testing.T, open Opener) {
	s := open(t, Retention{})
	ch, err := s.WatchPositions(ctx(t))
	if err != nil {
		t.Fatalf("WatchPositions: %v", err)
	}
	// Far more positions than any reasonable buffer, none read meanwhile:
	// Apply must return, and the newest position must still arrive.
	const n = 5000
	ps := make([]location.Position, n)
	index := map[string]int{}
	for i := range ps {
		ps[i] = pos(tagName(i), "L0", "R0", 1)
		index[ps[i].Tag] = i
	}
	apply(t, s, store.Update{Positions: ps[:n/2]})
	apply(t, s, store.Update{Positions: ps[n/2:]})
	last := ps[n-1]
	prev := -1
	for {
		got := receive(t, ch)
		i, ok := index[got.Tag]
		if !ok || i <= prev {
			t.Fatalf("watched tag %d after %d: out of order", i, prev)
		}
		if prev = i; got == last {
			return
		}
	}
}

// receive returns the next watched position, failing if none arrives
// within guard or the channel closes.
func receive(t *testing.T, ch <-chan location.Position) location.Position {
	t.Helper()
	select {
	case p, ok := <-ch:
		if !ok {
			t.Fatal("watch channel closed")
		}
		return p
	case <-time.After(guard):
		t.Fatal("no watched position arrived")
	}
	return location.Position{}
}

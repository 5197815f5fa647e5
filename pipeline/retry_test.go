package pipeline_test

import (
	"reflect"
	"testing"
)

// TestRetrySameSeqInOrder runs a walk while the store fails and checks
// every Apply the pipeline made: a failed update is retried unchanged with
// its Seq, and no newer update is tried before it is written; once the
// store works, the stream holds the walk's events exactly once (a write
// whose reply was lost is not repeated: the store drops the retry by Seq).
func TestRetrySameSeqInOrder(t *testing.T) {
	cases := []struct {
		name  string
		fault func(w *faultyWriter)
		heal  func(w *faultyWriter)
	}{
		{"down, then up", func(w *faultyWriter) { w.setDown(true) }, func(w *faultyWriter) { w.setDown(false) }},
		{"every second reply lost", func(w *faultyWriter) { w.mu.Lock(); w.loseReply = true; w.mu.Unlock() }, func(*faultyWriter) {}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			tc.fault(r.w)
			sc := walkS02toS05(t, r.plan, "T1")
			n := len(sc["T1"])
			r.feed(sc, 0, n/2) // two phases: several updates queue up
			r.settle()
			r.feed(sc, n/2, n)
			r.settle()
			tc.heal(r.w)
			r.eventually("the walk's events are stored", func() bool { return len(r.storedEvents()) >= 5 })
			if err := r.shutdown(); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := describe(r.storedEvents()); got != walkEvents {
				t.Fatalf("stored events:\n got %s\nwant %s", got, walkEvents)
			}
			checkRetries(t, r.w.history())
		})
	}
}

// TestBacklogCoalescesPositions lets the store fail through a walk while
// ticks keep coming: the updates that wait are merged, each tag's
// positions coalesced to its newest, never the events or the geofence
// state; no write carries two positions of one tag.
func TestBacklogCoalescesPositions(t *testing.T) {
	r := newRig(t)
	// The first tick writes the geofence's initial state alone; the outage
	// starts after it, so that the first queued update carries positions.
	r.eventually("the initial state is written", func() bool { return len(r.w.history()) > 0 })
	r.w.setDown(true)
	sc := walkS02toS05(t, r.plan, "T1")
	n := len(sc["T1"])
	r.feed(sc, 0, n/2)
	r.settle()
	r.feed(sc, n/2, n)
	r.settle()
	r.w.setDown(false)
	r.eventually("the walk's events are stored", func() bool { return len(r.storedEvents()) >= 5 })
	if err := r.shutdown(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := describe(r.storedEvents()); got != walkEvents {
		t.Fatalf("stored events:\n got %s\nwant %s", got, walkEvents)
	}
	checkRetries(t, r.w.history())
	for i, a := range r.w.history() {
		tags := map[string]bool{}
		for _, p := range a.u.Positions {
			if tags[p.Tag] {
				t.Fatalf("call %d: update %d carries two positions of one tag", i, a.u.Seq)
			}
			tags[p.Tag] = true
		}
	}
	if r.metric("rtls_store_coalesced_positions_total") == 0 {
		t.Fatal("no position was coalesced: the outage did not merge updates")
	}
}

// checkRetries checks a history of Apply calls: each call carries the
// update after the newest one written (by Seq, from 1); a retry equals
// the first try. It fails unless some update was retried.
func checkRetries(t *testing.T, hist []attempt) {
	t.Helper()
	first := map[uint64]attempt{}
	var written uint64
	retries := 0
	for i, a := range hist {
		if a.u.Seq != written+1 {
			t.Fatalf("call %d: update %d while %d is the newest written: not the oldest unwritten", i, a.u.Seq, written)
		}
		f, seen := first[a.u.Seq]
		if !seen {
			first[a.u.Seq] = a
		} else {
			retries++
			if !reflect.DeepEqual(f.u, a.u) {
				t.Fatalf("call %d: retry of update %d differs from its first try", i, a.u.Seq)
			}
		}
		if a.err == nil {
			written = a.u.Seq
		}
	}
	if retries == 0 || len(first) < 2 {
		t.Fatalf("%d updates, %d retries: the faults were not exercised", len(first), retries)
	}
}

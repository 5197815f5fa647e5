package pipeline_test

import (
	"context"
	"testing"

	"github.com/hospitalrtls/rtls/internal/sim"
)

// TestBacklogKeepsLastPosition: a tag walks, then falls silent, while the
// store is down and the backlog is over its limit (another tag keeps
// moving). Dropping the positions of old queued updates is safe only for
// positions a later one replaces: the silent tag's last position must
// still reach the store, or the last-seen place of a missing asset is lost
// (or older than its events). The reference is the same input through a
// pipeline whose store never fails.
func TestBacklogKeepsLastPosition(t *testing.T) {
	ref := newRig(t)
	quietThenBusy(t, ref)
	ref.eventually("the reference stores the events", func() bool { return len(ref.storedEvents()) >= 6 })
	want, err := ref.w.st.GetPosition(context.Background(), "QUIET")
	if err != nil {
		t.Fatal(err)
	}

	r := newRig(t)
	r.w.setDown(true)
	quietThenBusy(t, r)
	r.w.setDown(false)
	r.eventually("the events are stored", func() bool { return len(r.storedEvents()) >= 6 })
	if err := r.shutdown(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	got, err := r.w.st.GetPosition(context.Background(), "QUIET")
	if err != nil {
		t.Fatalf("position of the silent tag: %v; without the outage: %s at %d", err, want.Room, want.TS)
	}
	if got != want {
		t.Fatalf("stored position of the silent tag: %s at %d; without the outage: %s at %d", got.Room, got.TS, want.Room, want.TS)
	}
}

// quietThenBusy feeds the walk of tag QUIET, then 12 s of tag BUSY in N03,
// a tick after each second so that updates queue up.
func quietThenBusy(t *testing.T, r *rig) {
	t.Helper()
	sc := walkS02toS05(t, r.plan, "QUIET")
	n := len(sc["QUIET"])
	r.feed(sc, 0, n)
	r.settle()
	busy, err := r.sim.Stay("L0-N03", 12)
	if err != nil {
		t.Fatal(err)
	}
	later := map[string][]sim.Step{"BUSY": append(make([]sim.Step, n), busy...)}
	for i := n; i < len(later["BUSY"]); i++ {
		r.feed(later, i, i+1)
		r.settle()
	}
}

package pipeline_test

import (
	"testing"
)

// TestShutdownWritesBacklog stops the pipeline while the store is down,
// with a walk's events queued. Run promises to have written everything
// finalised on return, or to have tried for a few seconds: a store back
// within that time gets every event; a store still down makes Run report
// the loss instead of returning nil.
func TestShutdownWritesBacklog(t *testing.T) {
	cases := []struct {
		name    string
		back    int // the outage ends after this many more failed writes; 0: never
		wantErr bool
	}{
		// 20 retries, one per 5 ms tick: a tenth of the rig's budget.
		{"store back 20 writes after the stop", 20, false},
		{"store down for good", 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.w.setDown(true)
			sc := walkS02toS05(t, r.plan, "T1")
			r.feed(sc, 0, len(sc["T1"]))
			r.settle()
			if tc.back > 0 {
				r.w.comeBackAfter(tc.back)
			}
			err := r.shutdown()
			if tc.wantErr {
				if err == nil {
					t.Fatalf("Run returned nil; the store holds %d of the walk's 5 events", len(r.storedEvents()))
				}
				return
			}
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := describe(r.storedEvents()); got != walkEvents {
				t.Fatalf("stored events after the stop:\n got %s\nwant %s", got, walkEvents)
			}
		})
	}
}

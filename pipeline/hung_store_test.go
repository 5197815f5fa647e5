package pipeline_test

import (
	"context"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

// TestHungRedis stops a real redis-server with SIGSTOP (it keeps its
// connections and answers nothing) in the middle of a walk. Each write
// times out after the write timeout, so the engine keeps taking
// sightings; once Redis continues, the backlog is written in order, each
// update once (a write that timed out after Redis queued it is dropped as
// a repeat by its Seq), and the stream holds the walk's events exactly
// once.
func TestHungRedis(t *testing.T) {
	rs := redistest.StartServer(t)
	st, err := redisstore.New(context.Background(), redisstore.Options{URL: rs.URL(), Site: "hung"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := newRigOn(t, &faultyWriter{st: st}, 100*time.Millisecond)
	r.eventually("the initial state is written", func() bool { return len(r.w.history()) > 0 })
	sc := walkS02toS05(t, r.plan, "T1")
	n := len(sc["T1"])
	r.feed(sc, 0, n/2)
	r.settle()

	rs.Pause()
	// feed returns once the engine took every sighting: it runs while
	// every write hangs until its deadline.
	r.feed(sc, n/2, n)
	r.settle()
	// Hold Redis stopped for 20 timed-out writes (2 s at 100 ms each).
	failed := func() int {
		n := 0
		for _, a := range r.w.history() {
			if a.err != nil {
				n++
			}
		}
		return n
	}
	r.eventually("20 writes time out", func() bool { return failed() >= 20 })
	rs.Resume()

	r.eventually("the walk's events are stored", func() bool { return len(r.storedEvents()) >= 5 })
	if err := r.shutdown(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := describe(r.storedEvents()); got != walkEvents {
		t.Fatalf("stored events:\n got %s\nwant %s", got, walkEvents)
	}
	checkRetries(t, r.w.history())
	positions := r.metric("rtls_engine_positions_total")
	t.Logf("sightings offered and acknowledged %d, taken by the engine %d, positions %v, events stored %d of 5; writes timed out while Redis hung: %d",
		r.fed, r.sightings(), positions, len(r.storedEvents()), failed())
}

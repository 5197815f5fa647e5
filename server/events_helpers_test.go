package server

import (
	"context"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/testlog"
)

// The event tests post whole scripted walks at once, stamped just after
// the server's clock, a testClock that stands still unless the test moves
// it: the engine computes a tag's epochs as soon as its newest sighting is
// LatenessMS past them, and the geofence debounces over later positions,
// so nothing depends on how fast the machine runs the test. (With the
// wall clock, a slow machine let the ticks flush the engine past stamps
// not yet posted, which were then dropped as late.) The reader front
// accepts stamps up to a minute ahead of its clock, so a script lasts at
// most maxScript seconds.
const (
	maxScript    = 50
	eventTimeout = 30 * time.Second
)

// eventsConfig is rtlsd on the synthetic clinic with a fast tick and a
// testClock of its own.
func eventsConfig(redisURL string, debounce time.Duration) Config {
	return Config{Floorplans: []string{clinicPlan}, CoAPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0",
		RedisURL: redisURL, Site: "events", Tick: 50 * time.Millisecond, Debounce: debounce, Clock: newTestClock().Now, Insecure: true}
}

// clockStart is where every testClock starts: a whole second, fixed so
// that runs are alike.
var clockStart = time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)

// testClock is a server clock that moves only when the test moves it.
type testClock struct {
	mu    sync.Mutex
	now   time.Time
	reads int           // reads since the last move
	seen  chan struct{} // closed at the second read since the last move
}

func newTestClock() *testClock {
	return &testClock{now: clockStart, seen: make(chan struct{})}
}

// Now reads the clock.
func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	if c.reads == 2 {
		close(c.seen)
	}
	return c.now
}

// advance moves the clock by d and waits until it has been read twice at
// the new time. While no sightings arrive, only the pipeline reads it,
// twice per tick (engine flush, then geofence tick), so two reads include
// a whole geofence tick at the new time, and events due by then are
// written in the order of the moves.
func (c *testClock) advance(t testing.TB, d time.Duration) {
	t.Helper()
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.reads, c.seen = 0, make(chan struct{})
	seen := c.seen
	c.mu.Unlock()
	select {
	case <-seen:
	case <-time.After(eventTimeout):
		t.Fatal("the pipeline did not read the clock")
	}
}

// startWith runs rtlsd in process; stop cancels it and waits for Serve to
// return (at most once; the test's cleanup calls it too).
func startWith(t testing.TB, cfg Config) (*Server, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, cfg, testlog.Logger())
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
	t.Cleanup(stop)
	return s, stop
}

func dial(t testing.TB, s *Server) *grpc.ClientConn {
	t.Helper()
	cc, err := grpc.NewClient(s.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return cc
}

func loadClinic(t testing.TB) *floorplans.Plan {
	t.Helper()
	plan, err := floorplans.LoadFile(clinicPlan)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

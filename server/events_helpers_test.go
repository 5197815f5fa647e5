package server

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/hospitalrtls/rtls/floorplans"
)

// The event tests post whole scripted walks at once, stamped in the near
// future: the engine computes a tag's epochs as soon as its newest
// sighting is LatenessMS past them, and the geofence debounces over later
// positions, so nothing waits for the wall clock. (Stamps in the past do
// not work: every tick flushes the engine up to wall clock minus the
// lateness, and older sightings are then dropped as late.) The reader
// front accepts stamps up to a minute ahead, so a script lasts at most
// maxScript seconds.
const (
	maxScript    = 50
	eventTimeout = 30 * time.Second
)

// eventsConfig is rtlsd on the synthetic clinic with a fast tick.
func eventsConfig(redisURL string, debounce time.Duration) Config {
	return Config{Floorplans: []string{clinicPlan}, CoAPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0",
		RedisURL: redisURL, Site: "events", Tick: 50 * time.Millisecond, Debounce: debounce, Insecure: true}
}

// startWith runs rtlsd in process; stop cancels it and waits for Serve to
// return (at most once; the test's cleanup calls it too).
func startWith(t testing.TB, cfg Config) (*Server, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, cfg, testLogger())
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

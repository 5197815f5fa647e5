package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hospitalrtls/rtls/internal/redistest"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// TestShutdownWithOpenStreams stops rtlsd with open WatchEvents and
// WatchLocations streams: both end with UNAVAILABLE (clients reconnect
// elsewhere), and a restart on the same ports succeeds at once. The time
// the stop took is logged (docs/availability.md), not asserted.
func TestShutdownWithOpenStreams(t *testing.T) {
	rs := redistest.StartServer(t)
	cfg := Config{Floorplans: []string{clinicPlan}, CoAPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0",
		MetricsAddr: "127.0.0.1:0", RedisURL: rs.URL(), Site: "shutdown", Tick: 50 * time.Millisecond, Insecure: true}
	s, stop := startWith(t, cfg)
	cc := dial(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	evs, err := rtlsv1.NewEventServiceClient(cc).WatchEvents(ctx, &rtlsv1.WatchEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	locs, err := rtlsv1.NewLocationServiceClient(cc).WatchLocations(ctx, &rtlsv1.WatchLocationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := evs.Header(); err != nil {
		t.Fatal(err)
	}
	if _, err := locs.Header(); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	stop()
	t.Logf("shutdown with 2 open streams took %v", time.Since(start))
	for name, recv := range map[string]func() error{
		"WatchEvents":    func() error { _, err := evs.Recv(); return err },
		"WatchLocations": func() error { _, err := locs.Recv(); return err },
	} {
		// Ended by the server's drain, not by the transport closing.
		err := recv()
		if st, _ := status.FromError(err); st.Code() != codes.Unavailable || !strings.Contains(st.Message(), "shutting down") {
			t.Errorf("%s ended with %v, want UNAVAILABLE from the drain", name, err)
		}
	}

	// Every port is free again: the same addresses bind.
	cfg.CoAPAddr, cfg.GRPCAddr, cfg.MetricsAddr = s.CoAPAddr().String(), s.GRPCAddr().String(), s.MetricsAddr().String()
	again, stopAgain := startWith(t, cfg)
	if again.GRPCAddr().String() != cfg.GRPCAddr {
		t.Errorf("restarted on %v, want %s", again.GRPCAddr(), cfg.GRPCAddr)
	}
	stopAgain()
}

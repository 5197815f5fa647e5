package api

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/hospitalrtls/rtls/internal/redistest"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

// TestStoreDownIsUnavailable stops a real redis-server under a running API:
// a watch that was open and new calls end with UNAVAILABLE (clients retry,
// possibly elsewhere), not INTERNAL.
func TestStoreDownIsUnavailable(t *testing.T) {
	rs := redistest.StartServer(t)
	st, err := redisstore.New(context.Background(), redisstore.Options{URL: rs.URL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	env := startEnv(t, envConfig{positions: st, events: st})
	ctx := testContext(t)
	if _, err := env.locations.ListLocations(ctx, &rtlsv1.ListLocationsRequest{}); err != nil {
		t.Fatalf("ListLocations with Redis up: %v", err)
	}
	watch, err := env.events.WatchEvents(ctx, &rtlsv1.WatchEventsRequest{AfterId: "0"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := watch.Header(); err != nil { // the watch runs
		t.Fatal(err)
	}

	rs.Stop()
	_, err = watch.Recv()
	wantStatus(t, err, codes.Unavailable, "store")
	_, err = env.locations.ListLocations(ctx, &rtlsv1.ListLocationsRequest{})
	wantStatus(t, err, codes.Unavailable, "store")
	_, err = env.locations.GetLocation(ctx, &rtlsv1.GetLocationRequest{TagId: "T1"})
	wantStatus(t, err, codes.Unavailable, "store")
	later, err := env.events.WatchEvents(ctx, &rtlsv1.WatchEventsRequest{})
	if err == nil {
		_, err = later.Recv()
	}
	wantStatus(t, err, codes.Unavailable, "store")
}

package api

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hospitalrtls/rtls/internal/testlog"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// testEnv is a real gRPC server on loopback over a fakeStore, and a client.
type testEnv struct {
	store     *fakeStore
	srv       *GRPCServer
	reg       *prometheus.Registry
	conn      *grpc.ClientConn
	locations rtlsv1.LocationServiceClient
	events    rtlsv1.EventServiceClient
}

// envConfig adjusts startEnv.
type envConfig struct {
	positions PositionReader // default: the fakeStore
	events    EventReader    // default: the fakeStore
	plan      PlanLookup     // default: levels L0, L1 and rooms R1, R2
	tags      RegistryReader // default: an empty registry
	log       *slog.Logger
	batch     int // events per store read of a watch; default 3
}

// startEnv starts a server with the LocationService and EventService, by
// default over a fresh fakeStore, and a group "storage" of zones Z2 and Z3.
func startEnv(t testing.TB, cfg envConfig) *testEnv {
	t.Helper()
	env := &testEnv{store: newFakeStore(), reg: prometheus.NewRegistry()}
	if cfg.positions == nil {
		cfg.positions = env.store
	}
	if cfg.events == nil {
		cfg.events = env.store
	}
	if cfg.plan == nil {
		cfg.plan = fakePlan{levels: []string{"L0", "L1"}, rooms: []string{"R1", "R2"}}
	}
	if cfg.log == nil {
		cfg.log = testlog.Logger()
	}
	if cfg.tags == nil {
		cfg.tags = registryTags{&geofence.Registry{}}
	}
	srv, err := NewGRPCServer(WithLogger(cfg.log), WithMetrics(env.reg))
	if err != nil {
		t.Fatal(err)
	}
	env.srv = srv
	srv.Register(&rtlsv1.LocationService_ServiceDesc, NewLocationServer(cfg.positions, cfg.tags, cfg.plan, cfg.log))
	es := NewEventServer(cfg.events, fakeGroups{"storage": {"Z2", "Z3"}}, cfg.log)
	es.block = 20 * time.Millisecond // notice cancellations soon
	es.batch = 3                     // cross batch boundaries often
	if cfg.batch > 0 {
		es.batch = cfg.batch
	}
	srv.Register(&rtlsv1.EventService_ServiceDesc, es)

	env.conn = serveLoopback(t, srv)
	env.locations = rtlsv1.NewLocationServiceClient(env.conn)
	env.events = rtlsv1.NewEventServiceClient(env.conn)
	return env
}

// testContext returns a context that ends with the test, or after a minute
// so that a hanging stream fails instead of blocking forever.
func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// wantStatus fails unless err has code and its message contains field.
func wantStatus(t *testing.T, err error, code codes.Code, field string) {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != code || !strings.Contains(st.Message(), field) {
		t.Fatalf("got %v, want code %v naming %q", err, code, field)
	}
}

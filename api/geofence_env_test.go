package api

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// clinicPlan loads the synthetic clinic once: one level L0, a corridor
// L0-COR, storage L0-S00, patient rooms L0-S01..S07 and L0-N02..N06.
var clinicPlan = sync.OnceValues(func() (*floorplans.Plan, error) {
	return floorplans.LoadFile("../floorplans/testdata/synthetic-clinic.geojson")
})

// fenceAdmin is a FenceAdmin over a real geofence.Engine on the synthetic
// clinic, as the pipeline is: management calls happen at the event time of
// the newest position, and the events they cause go to the event store
// under the same lock. The engine has no debounce and no PAR warm-up.
type fenceAdmin struct {
	mu     sync.Mutex // guards now, and keeps engine calls and their appends together
	eng    *geofence.Engine
	events *fakeStore
	now    int64 // event time of the newest position, ms
}

// newFenceAdmin returns an admin with no rules, API zones or tags, writing
// events to events.
func newFenceAdmin(t testing.TB, events *fakeStore) *fenceAdmin {
	t.Helper()
	plan, err := clinicPlan()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := geofence.New(plan, geofence.Config{Debounce: -1, Warmup: -1}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &fenceAdmin{eng: eng, events: events, now: 1_000_000}
}

// observe feeds positions and appends the events they cause.
func (a *fenceAdmin) observe(ps ...location.Position) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, p := range ps {
		a.now = max(a.now, p.TS)
		a.events.appendEvents(a.eng.Observe(p)...)
	}
}

// apply runs a management call of the engine at the current event time and
// appends its events.
func (a *fenceAdmin) apply(ctx context.Context, f func(now int64) ([]geofence.Event, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	es, err := f(a.now)
	if err != nil {
		return err
	}
	a.events.appendEvents(es...)
	return nil
}

func (a *fenceAdmin) PutRule(ctx context.Context, r geofence.Rule) (geofence.Rule, error) {
	if err := a.apply(ctx, func(now int64) ([]geofence.Event, error) { return a.eng.PutRule(r, now) }); err != nil {
		return geofence.Rule{}, err
	}
	return a.Rule(ctx, r.ID)
}

func (a *fenceAdmin) DeleteRule(ctx context.Context, id string) error {
	return a.apply(ctx, func(now int64) ([]geofence.Event, error) { return a.eng.DeleteRule(id, now) })
}

func (a *fenceAdmin) Rule(ctx context.Context, id string) (geofence.Rule, error) {
	if err := ctx.Err(); err != nil {
		return geofence.Rule{}, err
	}
	r, ok := a.eng.Rule(id)
	if !ok {
		return geofence.Rule{}, fmt.Errorf("%w: %q", geofence.ErrUnknownRule, id)
	}
	return r, nil
}

func (a *fenceAdmin) Rules(ctx context.Context) ([]geofence.Rule, error) {
	return a.eng.Rules(), ctx.Err()
}

func (a *fenceAdmin) PutZone(ctx context.Context, z geofence.Zone) error {
	return a.apply(ctx, func(int64) ([]geofence.Event, error) { return nil, a.eng.PutZone(z) })
}

func (a *fenceAdmin) DeleteZone(ctx context.Context, id string) error {
	return a.apply(ctx, func(now int64) ([]geofence.Event, error) { return a.eng.DeleteZone(id, now) })
}

func (a *fenceAdmin) Zone(ctx context.Context, id string) (geofence.Zone, error) {
	if err := ctx.Err(); err != nil {
		return geofence.Zone{}, err
	}
	z, ok := a.eng.Zone(id)
	if !ok {
		return geofence.Zone{}, fmt.Errorf("%w: %q", geofence.ErrUnknownZone, id)
	}
	return z, nil
}

func (a *fenceAdmin) Zones(ctx context.Context, level string) ([]geofence.Zone, error) {
	return a.eng.Zones(level), ctx.Err()
}

func (a *fenceAdmin) PutTag(ctx context.Context, t geofence.Tag) (geofence.Tag, error) {
	if err := ctx.Err(); err != nil {
		return geofence.Tag{}, err
	}
	return a.eng.PutTag(t)
}

func (a *fenceAdmin) DeleteTag(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return a.eng.DeleteTag(id)
}

func (a *fenceAdmin) Tag(ctx context.Context, id string) (geofence.Tag, error) {
	if err := ctx.Err(); err != nil {
		return geofence.Tag{}, err
	}
	t, ok := a.eng.Registry().Get(id)
	if !ok {
		return geofence.Tag{}, geofence.ErrUnknownTag
	}
	return t, nil
}

func (a *fenceAdmin) Tags(ctx context.Context) ([]geofence.Tag, error) {
	return a.eng.Registry().Tags(), ctx.Err()
}

func (a *fenceAdmin) ZonesOf(group string) []string {
	return geofence.GroupZones(group, a.eng.Zones(""), a.eng.Rules())
}

func (a *fenceAdmin) KnownZone(id string) bool {
	_, ok := a.eng.Zone(id)
	return ok
}

func (a *fenceAdmin) KnownGroup(group string) bool {
	return geofence.KnownGroup(group, a.eng.Zones(""), a.eng.Rules())
}

// fenceEnv is a real gRPC server on loopback with the GeofenceService, the
// TagRegistryService and the EventService over one fenceAdmin, and clients.
type fenceEnv struct {
	admin    *fenceAdmin
	store    *fakeStore
	fences   rtlsv1.GeofenceServiceClient
	registry rtlsv1.TagRegistryServiceClient
	events   rtlsv1.EventServiceClient
}

// startFenceEnv starts a fenceEnv; the EventService resolves group ids
// through the admin.
func startFenceEnv(t testing.TB) *fenceEnv {
	t.Helper()
	env := &fenceEnv{store: newFakeStore()}
	env.admin = newFenceAdmin(t, env.store)
	log := testLogger()
	srv, err := NewGRPCServer(WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	RegisterFence(srv, env.admin, log)
	es := NewEventServer(env.store, env.admin, log)
	es.block = 20 * time.Millisecond // notice cancellations soon
	srv.Register(&rtlsv1.EventService_ServiceDesc, es)
	conn := serveLoopback(t, srv)
	env.fences = rtlsv1.NewGeofenceServiceClient(conn)
	env.registry = rtlsv1.NewTagRegistryServiceClient(conn)
	env.events = rtlsv1.NewEventServiceClient(conn)
	return env
}

// serveLoopback serves srv on a random loopback port until the test ends
// and returns a client connection to it.
func serveLoopback(t testing.TB, srv *GRPCServer) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// wantField fails unless err has code and its message starts with field
// and a colon: the field is named, not merely mentioned.
func wantField(t testing.TB, err error, code codes.Code, field string) {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != code || !strings.HasPrefix(st.Message(), field+": ") {
		t.Fatalf("got %v, want code %v naming %q", err, code, field)
	}
}

// square returns an open square ring of side d with its corner at (x, y).
func square(x, y, d float64) []*rtlsv1.Point {
	return []*rtlsv1.Point{{X: x, Y: y}, {X: x + d, Y: y}, {X: x + d, Y: y + d}, {X: x, Y: y + d}}
}

// at returns a position of tag at (x, y) on L0 in room at time ts (ms).
func at(tag, room string, x, y float64, ts int64) location.Position {
	return location.Position{TS: ts, Tag: tag, Level: "L0", X: x, Y: y, Room: room, RoomProb: 1}
}

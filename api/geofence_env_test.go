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
	"github.com/hospitalrtls/rtls/internal/testlog"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store/memstore"
)

// clinicPlan loads the synthetic clinic once: one level L0, a corridor
// L0-COR, storage L0-S00, patient rooms L0-S01..S07 and L0-N02..N06.
var clinicPlan = sync.OnceValues(func() (*floorplans.Plan, error) {
	return floorplans.LoadFile("../floorplans/testdata/synthetic-clinic.geojson")
})

// fenceAdmin is the admin of the GeofenceService, the TagRegistryService
// and the EventService's groups over a real geofence.Engine on the
// synthetic clinic, as the pipeline is: every engine call is serialized
// (here by a lock, there by the pipeline goroutine), management calls
// happen at the event time of the newest position, and the events they
// cause go to the event store in the same step. The engine has no debounce and no PAR warm-up.
type fenceAdmin struct {
	mu     sync.Mutex // guards eng and now, and keeps engine calls and their appends together
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

// read runs f, which only reads the engine, under the lock.
func (a *fenceAdmin) read(ctx context.Context, f func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return f()
}

func (a *fenceAdmin) CreateRule(ctx context.Context, r geofence.Rule) (geofence.Rule, error) {
	return a.putRule(ctx, r, a.eng.CreateRule)
}

func (a *fenceAdmin) UpdateRule(ctx context.Context, r geofence.Rule) (geofence.Rule, error) {
	return a.putRule(ctx, r, a.eng.UpdateRule)
}

func (a *fenceAdmin) putRule(ctx context.Context, r geofence.Rule, put func(geofence.Rule, int64) ([]geofence.Event, error)) (geofence.Rule, error) {
	var got geofence.Rule
	err := a.apply(ctx, func(now int64) ([]geofence.Event, error) {
		es, err := put(r, now)
		got, _ = a.eng.Rule(r.ID)
		return es, err
	})
	return got, err
}

func (a *fenceAdmin) DeleteRule(ctx context.Context, id string) error {
	return a.apply(ctx, func(now int64) ([]geofence.Event, error) { return a.eng.DeleteRule(id, now) })
}

func (a *fenceAdmin) Rule(ctx context.Context, id string) (geofence.Rule, error) {
	var r geofence.Rule
	err := a.read(ctx, func() error {
		var ok bool
		if r, ok = a.eng.Rule(id); !ok {
			return fmt.Errorf("%w: %q", geofence.ErrUnknownRule, id)
		}
		return nil
	})
	return r, err
}

func (a *fenceAdmin) Rules(ctx context.Context) (rules []geofence.Rule, err error) {
	err = a.read(ctx, func() error { rules = a.eng.Rules(); return nil })
	return rules, err
}

func (a *fenceAdmin) CreateZone(ctx context.Context, z geofence.Zone) (geofence.Zone, error) {
	var got geofence.Zone
	err := a.apply(ctx, func(int64) ([]geofence.Event, error) {
		err := a.eng.CreateZone(z)
		got, _ = a.eng.Zone(z.ID)
		return nil, err
	})
	return got, err
}

func (a *fenceAdmin) DeleteZone(ctx context.Context, id string) error {
	return a.apply(ctx, func(now int64) ([]geofence.Event, error) { return a.eng.DeleteZone(id, now) })
}

func (a *fenceAdmin) Zone(ctx context.Context, id string) (geofence.Zone, error) {
	var z geofence.Zone
	err := a.read(ctx, func() error {
		var ok bool
		if z, ok = a.eng.Zone(id); !ok {
			return fmt.Errorf("%w: %q", geofence.ErrUnknownZone, id)
		}
		return nil
	})
	return z, err
}

func (a *fenceAdmin) Zones(ctx context.Context, level string) (zones []geofence.Zone, err error) {
	err = a.read(ctx, func() error { zones = a.eng.Zones(level); return nil })
	return zones, err
}

func (a *fenceAdmin) PutTag(ctx context.Context, t geofence.Tag) (got geofence.Tag, err error) {
	err = a.read(ctx, func() error { got, _, err = a.eng.PutTag(t, 0); return err })
	return got, err
}

func (a *fenceAdmin) DeleteTag(ctx context.Context, id string) error {
	return a.read(ctx, func() error { return a.eng.DeleteTag(id) })
}

func (a *fenceAdmin) Tag(ctx context.Context, id string) (geofence.Tag, error) {
	var t geofence.Tag
	err := a.read(ctx, func() error {
		var ok bool
		if t, ok = a.eng.Tag(id); !ok {
			return geofence.ErrUnknownTag
		}
		return nil
	})
	return t, err
}

func (a *fenceAdmin) Tags(ctx context.Context) (tags []geofence.Tag, err error) {
	err = a.read(ctx, func() error { tags = a.eng.Tags(); return nil })
	return tags, err
}

func (a *fenceAdmin) ZonesOf(ctx context.Context, group string) (zones []string, err error) {
	err = a.read(ctx, func() error { zones = geofence.GroupZones(group, a.eng.Zones(""), a.eng.Rules()); return nil })
	return zones, err
}

func (a *fenceAdmin) KnownZone(ctx context.Context, id string) (ok bool, err error) {
	err = a.read(ctx, func() error { _, ok = a.eng.Zone(id); return nil })
	return ok, err
}

func (a *fenceAdmin) KnownGroup(ctx context.Context, group string) (ok bool, err error) {
	err = a.read(ctx, func() error { ok = geofence.KnownGroup(group, a.eng.Zones(""), a.eng.Rules()); return nil })
	return ok, err
}

// fenceEnv is a real gRPC server on loopback with the GeofenceService, the
// TagRegistryService and the EventService over one fenceAdmin, and clients.
type fenceEnv struct {
	admin    *fenceAdmin
	store    *fakeStore
	history  *memstore.Store // the status history
	fences   rtlsv1.GeofenceServiceClient
	registry rtlsv1.TagRegistryServiceClient
	events   rtlsv1.EventServiceClient
}

// startFenceEnv starts a fenceEnv; the EventService resolves group ids
// through the admin.
func startFenceEnv(t testing.TB) *fenceEnv {
	t.Helper()
	env := &fenceEnv{store: newFakeStore(), history: memstore.New(memstore.Options{})}
	env.admin = newFenceAdmin(t, env.store)
	log := testlog.Logger()
	srv, err := NewGRPCServer(WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	RegisterFence(srv, env.admin, env.history, log)
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

package api

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/hospitalrtls/rtls/auth"
	"github.com/hospitalrtls/rtls/internal/testlog"
	"github.com/hospitalrtls/rtls/internal/testpki"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// wardLocations is what the fake location service knows, in this order:
// an asset, patients of units 4W and 5E, staff of 4W, an unregistered tag,
// and a last asset that marks the end of a watch's first round.
var wardLocations = []*rtlsv1.Location{
	{TagId: "A1", Class: rtlsv1.TagClass_ASSET, UnitId: "4W", LevelId: "L0"},
	{TagId: "P1", Class: rtlsv1.TagClass_PATIENT, UnitId: "4W", LevelId: "L0"},
	{TagId: "P2", Class: rtlsv1.TagClass_PATIENT, UnitId: "5E", LevelId: "L0"},
	{TagId: "S1", Class: rtlsv1.TagClass_STAFF, UnitId: "4W", LevelId: "L0"},
	{TagId: "U1", LevelId: "L0"},
	{TagId: "A9", Class: rtlsv1.TagClass_ASSET, UnitId: "5E", LevelId: "L0"},
}

// wardService is a LocationService over wardLocations with the registry
// join done, as the real one after the join: the authorization layer is
// under test, not the store.
type wardService struct {
	rtlsv1.UnimplementedLocationServiceServer
}

func (wardService) GetLocation(_ context.Context, req *rtlsv1.GetLocationRequest) (*rtlsv1.Location, error) {
	for _, l := range wardLocations {
		if l.TagId == req.GetTagId() {
			return proto.Clone(l).(*rtlsv1.Location), nil
		}
	}
	return nil, status.Error(codes.NotFound, "tag_id: no location")
}

func (wardService) ListLocations(context.Context, *rtlsv1.ListLocationsRequest) (*rtlsv1.ListLocationsResponse, error) {
	resp := &rtlsv1.ListLocationsResponse{}
	for _, l := range wardLocations {
		resp.Locations = append(resp.Locations, proto.Clone(l).(*rtlsv1.Location))
	}
	return resp, nil
}

func (wardService) WatchLocations(_ *rtlsv1.WatchLocationsRequest, stream grpc.ServerStreamingServer[rtlsv1.Location]) error {
	for _, l := range wardLocations {
		if err := stream.Send(proto.Clone(l).(*rtlsv1.Location)); err != nil {
			return err
		}
	}
	<-stream.Context().Done()
	return nil
}

func (wardService) GetTrail(context.Context, *rtlsv1.GetTrailRequest) (*rtlsv1.GetTrailResponse, error) {
	return &rtlsv1.GetTrailResponse{Visits: []*rtlsv1.Visit{{RoomId: "R1"}}}, nil
}

// authzWardTags is the registry of the ward for requests naming a tag;
// it counts the lookups of units.
type authzWardTags struct {
	unitLookups atomic.Int64
}

func (*authzWardTags) TagInfo(_ context.Context, tag string) (auth.Class, string, error) {
	for _, l := range wardLocations {
		if l.TagId == tag {
			return classOf(l.Class), l.UnitId, nil
		}
	}
	return auth.Unknown, "", nil
}

func (d *authzWardTags) TagUnits(ctx context.Context, tags []string) (map[string]string, error) {
	d.unitLookups.Add(1)
	units := make(map[string]string)
	for _, tag := range tags {
		if _, unit, _ := d.TagInfo(ctx, tag); unit != "" {
			units[tag] = unit
		}
	}
	return units, nil
}

// memAudit keeps audit records for tests.
type memAudit struct {
	mu   sync.Mutex // guards recs and down
	recs []AuditRecord
	down bool // Audit fails, as a store that is down
}

func (m *memAudit) Audit(_ context.Context, rec AuditRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errors.New("audit store down")
	}
	m.recs = append(m.recs, rec)
	return nil
}

func (m *memAudit) setDown(down bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.down = down
}

func (m *memAudit) records() []AuditRecord {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.recs)
}

// secureEnv is a TLS gRPC server with tokens on loopback.
type secureEnv struct {
	addr    string
	pki     *testpki.PKI
	tokens  map[auth.Role]string // role → token (the nurse is of unit 4W; the integration sees assets and 4W's staff)
	audit   *memAudit
	store   *fakeStore
	tags    *authzWardTags
	tokFile string
}

// startSecure starts the ward service, the event service over a fake
// store, and an unimplemented AnalyticsService behind TLS and tokens.
func startSecure(t testing.TB, limits Limits) *secureEnv {
	t.Helper()
	return startSecureClock(t, limits, nil)
}

// startSecureClock is startSecure with the security layer's clock (nil:
// the wall clock).
func startSecureClock(t testing.TB, limits Limits, clock func() time.Time) *secureEnv {
	t.Helper()
	env := &secureEnv{pki: testpki.New(t), tokens: map[auth.Role]string{}, audit: &memAudit{}, store: newFakeStore(), tags: &authzWardTags{}}
	var lines []byte
	for _, p := range []auth.Principal{
		{Subject: "ada", Role: auth.Admin}, {Subject: "bo", Role: auth.Biomed},
		{Subject: "nia", Role: auth.Nurse, Units: []string{"4W"}}, {Subject: "fay", Role: auth.Facilities},
		{Subject: "his", Role: auth.Integration, Classes: []auth.Class{auth.Asset, auth.Staff}, Units: []string{"4W"}},
	} {
		tok, line, err := auth.NewToken(p)
		if err != nil {
			t.Fatal(err)
		}
		env.tokens[p.Role] = tok
		lines = append(lines, line+"\n"...)
	}
	env.tokFile = filepath.Join(t.TempDir(), "tokens.jsonl")
	if err := os.WriteFile(env.tokFile, lines, 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := auth.NewAuthenticator(auth.Config{TokensFile: env.tokFile})
	if err != nil {
		t.Fatal(err)
	}
	cert, key := env.pki.Issue(t, "rtlsd")
	creds, err := credentials.NewServerTLSFromFile(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewGRPCServer(WithLogger(testlog.Logger()), WithTLS(creds),
		WithSecurity(Security{Auth: a, Tags: env.tags, Audit: env.audit, Limits: limits, Clock: clock}))
	if err != nil {
		t.Fatal(err)
	}
	srv.Register(&rtlsv1.LocationService_ServiceDesc, wardService{})
	es := NewEventServer(env.store, nil, testlog.Logger())
	es.block = 20 * time.Millisecond
	srv.Register(&rtlsv1.EventService_ServiceDesc, es)
	srv.Register(&rtlsv1.AnalyticsService_ServiceDesc, rtlsv1.UnimplementedAnalyticsServiceServer{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env.addr = lis.Addr().String()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-served
	})
	return env
}

// dial returns a TLS client connection trusting the test CA.
func (env *secureEnv) dial(t testing.TB, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	opts = append(opts, grpc.WithTransportCredentials(credentials.NewTLS(env.pki.ClientTLS(t, ""))))
	conn, err := grpc.NewClient(env.addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// as returns ctx carrying role's bearer token ("" role: no token).
func (env *secureEnv) as(ctx context.Context, role auth.Role) context.Context {
	if role == "" {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+env.tokens[role])
}

// tagIDs lists the tag ids of locations.
func locationTagIDs(ls []*rtlsv1.Location) []string {
	var ids []string
	for _, l := range ls {
		ids = append(ids, l.GetTagId())
	}
	return ids
}

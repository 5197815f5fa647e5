package server

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/hospitalrtls/rtls/api"
	"github.com/hospitalrtls/rtls/auth"
	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/internal/testpki"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

// TestStandbyForwardsToOwner: two rtlsd (in process, TLS and tokens) on
// one Redis site. Calls that need the engine, sent to the standby, are
// forwarded over TLS to the owner with the caller's token: a biomed's
// rule is stored and in the owner's engine, a biomed's write the owner's
// per-tag check refuses is PERMISSION_DENIED, and the owner's audit log
// names the real caller once per call (the standby's failed lookup is not
// recorded as a denial). A call without a token is refused
// by the standby itself. When the owner stops, the standby takes the site
// over and answers the same calls itself.
func TestStandbyForwardsToOwner(t *testing.T) {
	pki := testpki.New(t)
	file := filepath.Join(t.TempDir(), "tokens.jsonl")
	ss := &secureServer{pki: pki, tokens: map[string]string{}, file: file}
	ss.addToken(t, auth.Principal{Subject: "ada", Role: auth.Admin})
	ss.addToken(t, auth.Principal{Subject: "bo", Role: auth.Biomed})
	url := redistest.StartServer(t).URL()
	start := func(name string) (*Server, func()) {
		cert, key := pki.Issue(t, "rtlsd-"+name)
		return startWith(t, Config{Floorplans: []string{clinicPlan}, CoAPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0",
			RedisURL: url, Site: "fwd", Tick: 50 * time.Millisecond, LeaseTTL: time.Second, Instance: name, PeerCA: pki.CAFile,
			// the timed calls exceed the default rate of a subject (a
			// forwarded call counts on both instances)
			API: APIConfig{TLSCert: cert, TLSKey: key, Tokens: file, Limits: api.Limits{Rate: 10000}}, Insecure: true}) // Insecure: plain CoAP only
	}
	a, stopA := start("A")
	b, _ := start("B")
	if a.eng.cur.Load() == nil || b.eng.cur.Load() != nil {
		t.Fatal("A, started first, does not own the site")
	}
	dialTo := func(s *Server) *grpc.ClientConn {
		cc, err := grpc.NewClient(s.GRPCAddr().String(), grpc.WithTransportCredentials(credentials.NewTLS(pki.ClientTLS(t, ""))))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cc.Close() })
		return cc
	}
	ccA, ccB := dialTo(a), dialTo(b)
	fenceB, regB := rtlsv1.NewGeofenceServiceClient(ccB), rtlsv1.NewTagRegistryServiceClient(ccB)

	rule := &rtlsv1.Rule{Id: "pumps-par", EventType: rtlsv1.Rule_PAR, Target: &rtlsv1.Rule_ZoneId{ZoneId: "L0-S03"},
		TagClass: rtlsv1.TagClass_ASSET, MinCount: 1, Enabled: true}
	if _, err := fenceB.CreateRule(ss.as("bo"), &rtlsv1.CreateRuleRequest{Rule: rule}); err != nil {
		t.Fatalf("biomed CreateRule through the standby: %v", err)
	}
	if _, err := a.eng.Rule(context.Background(), "pumps-par"); err != nil {
		t.Fatalf("the rule made through the standby is not in the owner's engine: %v", err)
	}
	if _, err := regB.PutTag(ss.as("ada"), &rtlsv1.PutTagRequest{Tag: &rtlsv1.Tag{Id: "P-4W", Class: rtlsv1.TagClass_PATIENT, UnitId: "4W"}}); err != nil {
		t.Fatalf("admin PutTag through the standby: %v", err)
	}
	// the standby cannot look the tag up (the registry is the engine's):
	// the owner does, and refuses a biomed turning a patient into an asset
	if _, err := regB.PutTag(ss.as("bo"), &rtlsv1.PutTagRequest{Tag: &rtlsv1.Tag{Id: "P-4W", Class: rtlsv1.TagClass_ASSET}}); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("biomed re-registering a patient as an asset through the standby: %v; want PERMISSION_DENIED", err)
	}
	if _, err := fenceB.ListRules(context.Background(), &rtlsv1.ListRulesRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("ListRules without a token through the standby: %v; want UNAUTHENTICATED", err)
	}
	st, err := redisstore.New(context.Background(), redisstore.Options{URL: url, Site: "fwd"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if rules, err := st.LoadConfig(context.Background(), store.ConfigRule); err != nil || rules["pumps-par"] == nil {
		t.Fatalf("stored rules = %v, %v; want pumps-par", rules, err)
	}

	// forwarded call latency, next to the same call on the owner
	timeCalls := func(c rtlsv1.GeofenceServiceClient) time.Duration {
		const n = 50
		begin := time.Now()
		for range n {
			if _, err := c.GetRule(ss.as("ada"), &rtlsv1.GetRuleRequest{Id: "pumps-par"}); err != nil {
				t.Fatal(err)
			}
		}
		return time.Since(begin) / n
	}
	onOwner, forwarded := timeCalls(rtlsv1.NewGeofenceServiceClient(ccA)), timeCalls(fenceB)
	t.Logf("GetRule: %s on the owner, %s through the standby (forwarded)", onOwner, forwarded)
	forwardedCalls := func() float64 {
		return metricValues(t, b, "rtls_api_forwarded_total")["rtls_api_forwarded_total"]
	}
	if n := forwardedCalls(); n != 53 {
		t.Errorf("standby's forwarded calls = %v; want 53", n)
	}

	page, err := rtlsv1.NewAuditServiceClient(ccA).ListAudit(ss.as("ada"), &rtlsv1.ListAuditRequest{PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range page.Records {
		if strings.Contains(r.Method, "Rule") && !strings.Contains(r.Method, "Get") || strings.Contains(r.Method, "PutTag") {
			got = append(got, fmt.Sprintf("%s %s %s %s %v", r.Subject, r.Role, r.Method[strings.LastIndex(r.Method, "/")+1:], r.Outcome, r.TagIds))
		}
	}
	want := []string{"  ListRules unauthenticated []", "bo biomed CreateRule ok []", "ada admin PutTag ok [P-4W]", "bo biomed PutTag denied [P-4W]"}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("audited changes:\n got %q\nwant %q", got, want)
	}

	stopA() // releases the lease: B takes over within a fifth of the TTL
	deadline := time.Now().Add(10 * time.Second)
	for b.eng.cur.Load() == nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if b.eng.cur.Load() == nil {
		t.Fatal("the standby did not take the site over")
	}
	before := forwardedCalls()
	zone := &rtlsv1.Zone{Id: "Z-BAY", LevelId: "L0", Polygon: []*rtlsv1.Point{{X: 1, Y: 1}, {X: 3, Y: 1}, {X: 3, Y: 3}}}
	if _, err := fenceB.CreateZone(ss.as("ada"), &rtlsv1.CreateZoneRequest{Zone: zone}); err != nil {
		t.Fatalf("CreateZone on the new owner: %v", err)
	}
	if _, err := b.eng.Zone(context.Background(), "Z-BAY"); err != nil {
		t.Fatalf("zone not in the new owner's engine: %v", err)
	}
	if _, err := b.eng.Rule(context.Background(), "pumps-par"); err != nil {
		t.Fatalf("the rule forwarded earlier is not in the new owner's engine: %v", err)
	}
	if n := forwardedCalls(); n != before {
		t.Errorf("the new owner forwarded %v calls; want none", n-before)
	}
}

// TestAdvertiseAddr: the flag wins; a bound address with an unspecified
// host is published under the host name, a specific one as bound.
func TestAdvertiseAddr(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		flag  string
		bound net.Addr
		want  string
	}{
		{"rtls-a.internal:50051", &net.TCPAddr{IP: net.IPv4zero, Port: 50051}, "rtls-a.internal:50051"},
		{"", &net.TCPAddr{IP: net.IPv4zero, Port: 50051}, net.JoinHostPort(host, "50051")},
		{"", &net.TCPAddr{IP: net.IPv6unspecified, Port: 50051}, net.JoinHostPort(host, "50051")},
		{"", &net.TCPAddr{IP: net.IPv4(10, 0, 0, 7), Port: 50051}, "10.0.0.7:50051"},
	} {
		if got, err := advertiseAddr(Config{AdvertiseGRPC: tc.flag}, tc.bound); err != nil || got != tc.want {
			t.Errorf("advertiseAddr(%q, %v) = %q, %v; want %q", tc.flag, tc.bound, got, err, tc.want)
		}
	}
}

// TestForwardToSilentOwner: the lease names an owner (a bare gRPC server
// on loopback) that takes the call and never answers: the standby passed
// the caller's metadata on, marked as forwarded, and a caller without a
// deadline gets UNAVAILABLE after the forwarder's bound.
func TestForwardToSilentOwner(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan metadata.MD, 1)
	silent := grpc.NewServer(grpc.UnknownServiceHandler(func(_ any, ss grpc.ServerStream) error {
		md, _ := metadata.FromIncomingContext(ss.Context())
		got <- md
		<-ss.Context().Done()
		return ss.Context().Err()
	}))
	go func() { _ = silent.Serve(lis) }()
	defer silent.Stop()
	url := redistest.StartServer(t).URL()
	st, err := redisstore.New(context.Background(), redisstore.Options{URL: url, Site: "silent"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, ok, err := st.AcquireLeaseAt(context.Background(), "ghost", lis.Addr().String(), time.Minute); err != nil || !ok {
		t.Fatalf("lease for the silent owner: %v, %v", ok, err)
	}
	b, _ := startWith(t, Config{Floorplans: []string{clinicPlan}, CoAPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0",
		RedisURL: url, Site: "silent", Tick: 50 * time.Millisecond, Instance: "B", Insecure: true})
	b.fwd.timeout = 300 * time.Millisecond
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer caller-token", "x-request-id", "r-1")
	begin := time.Now()
	_, err = rtlsv1.NewGeofenceServiceClient(dial(t, b)).ListRules(ctx, &rtlsv1.ListRulesRequest{})
	if status.Code(err) != codes.Unavailable || time.Since(begin) > 5*time.Second {
		t.Fatalf("ListRules forwarded to a silent owner: %v after %s; want UNAVAILABLE after about 300ms", err, time.Since(begin))
	}
	md := <-got
	if a, by, id := md.Get("authorization"), md.Get(forwardedBy), md.Get("x-request-id"); !slices.Equal(a, []string{"Bearer caller-token"}) ||
		!slices.Equal(by, []string{"B"}) || !slices.Equal(id, []string{"r-1"}) {
		t.Errorf("metadata the owner got: authorization %q, %s %q, x-request-id %q; want the caller's, B", a, forwardedBy, by, id)
	}
}

package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plgd-dev/go-coap/v3/message"
	coapcodes "github.com/plgd-dev/go-coap/v3/message/codes"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/hospitalrtls/rtls/auth"
	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/internal/testpki"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/rfid"
)

// secureServer is rtlsd with TLS and a tokens file, over Redis.
type secureServer struct {
	s      *Server
	pki    *testpki.PKI
	tokens map[string]string // subject → token
	file   string            // the tokens file
}

func startSecure(t *testing.T) *secureServer {
	t.Helper()
	ss := &secureServer{pki: testpki.New(t), tokens: map[string]string{}}
	ss.file = filepath.Join(t.TempDir(), "tokens.jsonl")
	for _, p := range []auth.Principal{{Subject: "ada", Role: auth.Admin}, {Subject: "bo", Role: auth.Biomed}, {Subject: "fay", Role: auth.Facilities},
		{Subject: "nia", Role: auth.Nurse, Units: []string{"4W"}}} {
		ss.addToken(t, p)
	}
	cert, key := ss.pki.Issue(t, "rtlsd")
	ss.s, _ = startWith(t, Config{Floorplans: []string{clinicPlan}, CoAPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
		RedisURL: redistest.StartServer(t).URL(), Site: "sec", Tick: 50 * time.Millisecond,
		API: APIConfig{TLSCert: cert, TLSKey: key, Tokens: ss.file}, Insecure: true}) // Insecure: plain CoAP for the test's batches
	return ss
}

// addToken issues a token for p and appends its line to the tokens file.
func (ss *secureServer) addToken(t *testing.T, p auth.Principal) {
	t.Helper()
	tok, line, err := auth.NewToken(p)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(ss.file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(line + "\n"); err != nil {
		t.Fatal(err)
	}
	ss.tokens[p.Subject] = tok
}

func (ss *secureServer) dial(t *testing.T) *grpc.ClientConn {
	t.Helper()
	cc, err := grpc.NewClient(ss.s.GRPCAddr().String(), grpc.WithTransportCredentials(credentials.NewTLS(ss.pki.ClientTLS(t, ""))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return cc
}

func (ss *secureServer) as(subject string) context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+ss.tokens[subject])
}

// TestSecureServer: rtlsd over TLS with tokens: health is public, plaintext
// is refused, no token is UNAUTHENTICATED, an unregistered tag (maybe a
// person) is admin only, each admin lookup is in ListAudit, and a token
// added to the file works after SIGHUP.
func TestSecureServer(t *testing.T) {
	ss := startSecure(t)
	cc := ss.dial(t)
	hc, err := healthpb.NewHealthClient(cc).Check(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil || hc.Status != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health without a token: %v %v", hc, err)
	}
	plain, err := grpc.NewClient(ss.s.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if _, err := healthpb.NewHealthClient(plain).Check(context.Background(), &healthpb.HealthCheckRequest{}); status.Code(err) != codes.Unavailable {
		t.Fatalf("plaintext client: %v, want UNAVAILABLE", err)
	}

	for i, r := range []string{"R-L0-S03", "R-L0-S02", "R-L0-S04"} {
		if code, body := post(t, ss.s, message.AppJSON, batch(r, uint64(i+1), -60-10*float64(i), time.Now(), 5)); code != coapcodes.Changed {
			t.Fatalf("batch: %v %s", code, body)
		}
	}
	locs := rtlsv1.NewLocationServiceClient(cc)
	if _, err := locs.GetLocation(context.Background(), &rtlsv1.GetLocationRequest{TagId: "PUMP-E2E"}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("no token: %v, want UNAUTHENTICATED", err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, err := locs.GetLocation(ss.as("ada"), &rtlsv1.GetLocationRequest{TagId: "PUMP-E2E"})
		if err == nil {
			break
		}
		if status.Code(err) != codes.NotFound || time.Now().After(deadline) {
			t.Fatalf("admin GetLocation: %v", err)
		}
	}
	for _, who := range []string{"bo", "fay"} {
		if _, err := locs.GetLocation(ss.as(who), &rtlsv1.GetLocationRequest{TagId: "PUMP-E2E"}); status.Code(err) != codes.PermissionDenied {
			t.Errorf("%s GetLocation of an unregistered tag: %v, want PERMISSION_DENIED", who, err)
		}
	}

	audit := rtlsv1.NewAuditServiceClient(cc)
	if _, err := audit.ListAudit(ss.as("bo"), &rtlsv1.ListAuditRequest{}); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("biomed ListAudit: %v, want PERMISSION_DENIED", err)
	}
	page, err := audit.ListAudit(ss.as("ada"), &rtlsv1.ListAuditRequest{TagId: "PUMP-E2E", Subject: "ada"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Records) != 1 || page.Records[0].Method != "/rtls.v1.LocationService/GetLocation" || page.Records[0].Outcome != "ok" || page.Records[0].Role != "admin" {
		t.Fatalf("ListAudit(ada, PUMP-E2E): %v, want the one lookup", page.Records)
	}
	denied, err := audit.ListAudit(ss.as("ada"), &rtlsv1.ListAuditRequest{Subject: "bo", TagId: "PUMP-E2E"})
	if err != nil || len(denied.Records) != 1 || denied.Records[0].Outcome != "denied" {
		t.Fatalf("ListAudit(bo): %v %v, want the denied lookup", denied, err)
	}
	failed, err := audit.ListAudit(ss.as("ada"), &rtlsv1.ListAuditRequest{})
	if err != nil || !hasOutcome(failed.Records, "unauthenticated") {
		t.Fatalf("ListAudit: %v %v, want the failed authentication", failed, err)
	}

	// A token added to the file works after SIGHUP.
	ss.addToken(t, auth.Principal{Subject: "ada2", Role: auth.Admin})
	if _, err := audit.ListAudit(ss.as("ada2"), &rtlsv1.ListAuditRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("new token before SIGHUP: %v, want UNAUTHENTICATED", err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, err := audit.ListAudit(ss.as("ada2"), &rtlsv1.ListAuditRequest{})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("new token after SIGHUP: %v", err)
		}
	}
}

// locateWard registers patients P-4W and P-5E (units 4W and 5E) and the
// asset PUMP-E2E, posts their sightings in S03 and waits until the
// three ENTER events are stored; it returns the time of the sightings.
func locateWard(t *testing.T, ss *secureServer, cc *grpc.ClientConn) time.Time {
	t.Helper()
	reg := rtlsv1.NewTagRegistryServiceClient(cc)
	for _, tag := range []*rtlsv1.Tag{{Id: "P-4W", Class: rtlsv1.TagClass_PATIENT, UnitId: "4W"},
		{Id: "P-5E", Class: rtlsv1.TagClass_PATIENT, UnitId: "5E"}, {Id: "PUMP-E2E", Class: rtlsv1.TagClass_ASSET, Type: "infusion_pump"}} {
		if _, err := reg.PutTag(ss.as("ada"), &rtlsv1.PutTagRequest{Tag: tag}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	for i, r := range []string{"R-L0-S03", "R-L0-S02", "R-L0-S04"} {
		b := rfid.Batch{Reader: r, Seq: uint64(i + 1)}
		for j := range 5 {
			for _, tag := range []string{"P-4W", "P-5E", "PUMP-E2E"} {
				b.Sightings = append(b.Sightings, rfid.WireSighting{TS: now.Add(time.Duration(j-5) * time.Second).UnixMilli(), Tag: tag, RSSI: -60 - 10*float64(i)})
			}
		}
		body, _ := json.Marshal(b)
		if code, out := post(t, ss.s, message.AppJSON, body); code != coapcodes.Changed {
			t.Fatalf("batch: %v %s", code, out)
		}
	}
	// The stays in S03 take effect after the debounce.
	want := []string{"P-4W", "P-5E", "PUMP-E2E"}
	for deadline := time.Now().Add(30 * time.Second); !slices.Equal(eventTags(t, ss, cc, "ada"), want); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("admin sees the events of %q, want %q", eventTags(t, ss, cc, "ada"), want)
		}
	}
	return now
}

// eventTags returns the tags of the events subject gets from ListEvents,
// sorted, each once.
func eventTags(t *testing.T, ss *secureServer, cc *grpc.ClientConn, subject string) []string {
	t.Helper()
	page, err := rtlsv1.NewEventServiceClient(cc).ListEvents(ss.as(subject), &rtlsv1.ListEventsRequest{})
	if err != nil {
		t.Fatalf("%s ListEvents: %v", subject, err)
	}
	var tags []string
	for _, e := range page.Events {
		if e.TagId != "" && !slices.Contains(tags, e.TagId) {
			tags = append(tags, e.TagId)
		}
	}
	slices.Sort(tags)
	return tags
}

// TestNurseSeesTheirUnit: on a live rtlsd, a nurse of 4W sees the
// location, trail and events of a patient the registry puts in 4W, and
// nothing of one in 5E (the units come from the registry: locations carry
// the tag's, events none); each lookup of the 4W patient is audited.
func TestNurseSeesTheirUnit(t *testing.T) {
	t.Parallel() // its own Redis and ports: overlapped with the rest to keep make test short
	ss := startSecure(t)
	cc := ss.dial(t)
	now := locateWard(t, ss, cc)
	if got := eventTags(t, ss, cc, "nia"); !slices.Equal(got, []string{"P-4W", "PUMP-E2E"}) {
		t.Errorf("nurse of 4W sees the events of %q, want [P-4W PUMP-E2E]", got)
	}
	locs := rtlsv1.NewLocationServiceClient(cc)
	if _, err := locs.GetLocation(ss.as("nia"), &rtlsv1.GetLocationRequest{TagId: "P-4W"}); err != nil {
		t.Errorf("nurse GetLocation of a 4W patient: %v", err)
	}
	if _, err := locs.GetLocation(ss.as("nia"), &rtlsv1.GetLocationRequest{TagId: "P-5E"}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("nurse GetLocation of a 5E patient: %v, want PERMISSION_DENIED", err)
	}
	list, err := locs.ListLocations(ss.as("nia"), &rtlsv1.ListLocationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, l := range list.Locations {
		listed = append(listed, l.TagId)
	}
	if !slices.Equal(listed, []string{"P-4W", "PUMP-E2E"}) {
		t.Errorf("nurse ListLocations: %q, want [P-4W PUMP-E2E]", listed)
	}
	trail := func(tag string) error {
		_, err := locs.GetTrail(ss.as("nia"), &rtlsv1.GetTrailRequest{TagId: tag, From: timestamppb.New(now.Add(-time.Hour)), To: timestamppb.New(now.Add(time.Hour))})
		return err
	}
	if err := trail("P-4W"); err != nil {
		t.Errorf("nurse GetTrail of a 4W patient: %v", err)
	}
	if err := trail("P-5E"); status.Code(err) != codes.PermissionDenied {
		t.Errorf("nurse GetTrail of a 5E patient: %v, want PERMISSION_DENIED", err)
	}
	audit, err := rtlsv1.NewAuditServiceClient(cc).ListAudit(ss.as("ada"), &rtlsv1.ListAuditRequest{Subject: "nia", TagId: "P-4W"})
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]bool{}
	for _, r := range audit.Records {
		methods[r.Method] = true
	}
	for _, m := range []string{"/rtls.v1.EventService/ListEvents", "/rtls.v1.LocationService/GetLocation",
		"/rtls.v1.LocationService/ListLocations", "/rtls.v1.LocationService/GetTrail"} {
		if !methods[m] {
			t.Errorf("ListAudit(nia, P-4W) has no record of %s: %v", m, audit.Records)
		}
	}
}

// TestGrpcurlRtlsd is the issue's check with grpcurl against a live
// rtlsd over Redis, TLS and tokens (-cacert, -H 'authorization: Bearer
// …'): no token is UNAUTHENTICATED; biomed gets no patient in lists or
// streams and PERMISSION_DENIED on a patient's GetLocation; a nurse of 4W
// gets 4W's patient, not 5E's; facilities gets analytics and nothing
// else; ListAudit shows each person lookup. Skipped when grpcurl is not
// installed (`make tools` puts it in bin/).
func TestGrpcurlRtlsd(t *testing.T) {
	t.Parallel() // its own processes and ports; slow, so overlapped with the rest
	bin, err := exec.LookPath("grpcurl")
	if err != nil {
		bin = filepath.Join("..", "bin", "grpcurl")
		if _, err := os.Stat(bin); err != nil {
			t.Skip("grpcurl not installed: make tools")
		}
	}
	ss := startSecure(t)
	now := locateWard(t, ss, ss.dial(t))
	run := func(who, method, body string, extra ...string) string {
		args := append([]string{"-cacert", ss.pki.CAFile}, extra...)
		if who != "" {
			args = append(args, "-H", "authorization: Bearer "+ss.tokens[who])
		}
		args = append(args, "-d", body, ss.s.GRPCAddr().String(), method)
		out, _ := exec.Command(bin, args...).CombinedOutput()
		return string(out)
	}
	const (
		get     = "rtls.v1.LocationService/GetLocation"
		list    = "rtls.v1.LocationService/ListLocations"
		watch   = "rtls.v1.EventService/WatchEvents"
		dwell   = "rtls.v1.AnalyticsService/Dwell"
		p4W     = `{"tag_id":"P-4W"}`
		p5E     = `{"tag_id":"P-5E"}`
		audited = "rtls.v1.AuditService/ListAudit"
	)
	scope := fmt.Sprintf(`{"scope":{"from":%q,"to":%q}}`, now.Add(-time.Hour).UTC().Format(time.RFC3339), now.Add(time.Hour).UTC().Format(time.RFC3339))
	for _, tc := range []struct {
		who, method, body string
		extra             []string
		want, not         []string
	}{
		{"", list, `{}`, nil, []string{"code = Unauthenticated"}, []string{"P-4W"}},
		{"bo", list, `{}`, nil, []string{`"tagId": "PUMP-E2E"`}, []string{"P-4W", "P-5E"}},
		{"bo", get, p4W, nil, []string{"Code: PermissionDenied"}, []string{`"tagId"`}},
		{"bo", watch, `{"after_id":"0"}`, []string{"-max-time", "3"}, []string{`"tagId": "PUMP-E2E"`}, []string{"P-4W", "P-5E"}},
		{"nia", get, p4W, nil, []string{`"tagId": "P-4W"`}, nil},
		{"nia", get, p5E, nil, []string{"Code: PermissionDenied"}, []string{`"tagId"`}},
		{"nia", list, `{}`, nil, []string{`"tagId": "P-4W"`, `"tagId": "PUMP-E2E"`}, []string{"P-5E"}},
		{"nia", watch, `{"after_id":"0"}`, []string{"-max-time", "3"}, []string{`"tagId": "P-4W"`}, []string{"P-5E"}},
		{"fay", dwell, scope, nil, []string{"{"}, []string{"Code:"}},
		{"fay", list, `{}`, nil, []string{"Code: PermissionDenied"}, []string{"PUMP-E2E"}},
		{"fay", get, `{"tag_id":"PUMP-E2E"}`, nil, []string{"Code: PermissionDenied"}, []string{`"tagId"`}},
	} {
		out := run(tc.who, tc.method, tc.body, tc.extra...)
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("grpcurl as %q %s %s: want %q in\n%s", tc.who, tc.method, tc.body, w, out)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(out, n) {
				t.Errorf("grpcurl as %q %s %s: %q in\n%s", tc.who, tc.method, tc.body, n, out)
			}
		}
	}
	// Every lookup of P-4W above is in the audit log: the nurse's reads
	// and stream, biomed's denied GetLocation.
	out := run("ada", audited, `{"tag_id":"P-4W","page_size":100}`)
	for _, w := range []string{`"subject": "nia"`, `"method": "/rtls.v1.LocationService/GetLocation"`, `"method": "/rtls.v1.LocationService/ListLocations"`,
		`"method": "/rtls.v1.EventService/WatchEvents"`, `"subject": "bo"`, `"outcome": "denied"`, `"outcome": "delivered"`} {
		if !strings.Contains(out, w) {
			t.Errorf("ListAudit of P-4W: want %q in\n%s", w, out)
		}
	}
	if strings.Contains(out, `"subject": "fay"`) {
		t.Errorf("ListAudit of P-4W names facilities, which saw no person:\n%s", out)
	}
}

// TestChangesAreAudited: registry, rule and zone changes are in the
// audit log with their subject, role, method and outcome, allowed or
// denied; a change naming a person's tag names it (biomed's attempt to
// re-register a patient as an asset too).
func TestChangesAreAudited(t *testing.T) {
	ss := startSecure(t)
	cc := ss.dial(t)
	reg := rtlsv1.NewTagRegistryServiceClient(cc)
	fence := rtlsv1.NewGeofenceServiceClient(cc)
	rule := &rtlsv1.Rule{Id: "pumps-par", EventType: rtlsv1.Rule_PAR, Target: &rtlsv1.Rule_ZoneId{ZoneId: "L0-S03"},
		TagClass: rtlsv1.TagClass_ASSET, MinCount: 1, Enabled: true}
	if _, err := fence.CreateRule(ss.as("bo"), &rtlsv1.CreateRuleRequest{Rule: rule}); err != nil {
		t.Fatalf("biomed CreateRule of an asset rule: %v", err)
	}
	if _, err := fence.DeleteRule(ss.as("bo"), &rtlsv1.DeleteRuleRequest{Id: "pumps-par"}); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("biomed DeleteRule: %v, want PERMISSION_DENIED", err)
	}
	if _, err := fence.DeleteRule(ss.as("ada"), &rtlsv1.DeleteRuleRequest{Id: "pumps-par"}); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.PutTag(ss.as("ada"), &rtlsv1.PutTagRequest{Tag: &rtlsv1.Tag{Id: "P-4W", Class: rtlsv1.TagClass_PATIENT, UnitId: "4W"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.PutTag(ss.as("bo"), &rtlsv1.PutTagRequest{Tag: &rtlsv1.Tag{Id: "P-4W", Class: rtlsv1.TagClass_ASSET}}); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("biomed re-registering a patient as an asset: %v, want PERMISSION_DENIED", err)
	}
	zone := &rtlsv1.Zone{Id: "Z-BAY", LevelId: "L0", Polygon: []*rtlsv1.Point{{X: 1, Y: 1}, {X: 3, Y: 1}, {X: 3, Y: 3}}}
	if _, err := fence.CreateZone(ss.as("ada"), &rtlsv1.CreateZoneRequest{Zone: zone}); err != nil {
		t.Fatal(err)
	}
	if _, err := fence.DeleteZone(ss.as("ada"), &rtlsv1.DeleteZoneRequest{Id: "Z-BAY"}); err != nil {
		t.Fatal(err)
	}
	page, err := rtlsv1.NewAuditServiceClient(cc).ListAudit(ss.as("ada"), &rtlsv1.ListAuditRequest{PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range page.Records {
		if strings.Contains(r.Method, "Rule") || strings.Contains(r.Method, "Zone") || strings.Contains(r.Method, "PutTag") {
			got = append(got, fmt.Sprintf("%s %s %s %s %v", r.Subject, r.Role, r.Method[strings.LastIndex(r.Method, "/")+1:], r.Outcome, r.TagIds))
		}
	}
	want := []string{
		"bo biomed CreateRule ok []", "bo biomed DeleteRule denied []", "ada admin DeleteRule ok []",
		"ada admin PutTag ok [P-4W]", "bo biomed PutTag denied [P-4W]", "ada admin CreateZone ok []", "ada admin DeleteZone ok []",
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("audited changes:\n got %q\nwant %q", got, want)
	}
}

// TestInsecureWarns: --insecure (the one flag for plain CoAP and
// plaintext, unauthenticated gRPC) is logged as a warning at start, for
// both faces.
func TestInsecureWarns(t *testing.T) {
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, Config{Floorplans: []string{clinicPlan}, CoAPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0", Insecure: true},
		slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		out := logs.String()
		if strings.Contains(out, "level=WARN msg=\"INSECURE: plain CoAP") && strings.Contains(out, "level=WARN msg=\"insecure mode: gRPC API is plaintext") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no warnings for --insecure in the log:\n%s", out)
		}
	}
}

// syncBuffer is a log sink safe for the server's goroutines and the test.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func hasOutcome(recs []*rtlsv1.AuditRecord, outcome string) bool {
	for _, r := range recs {
		if r.Outcome == outcome {
			return true
		}
	}
	return false
}

// TestEveryRegisteredMethodHasAPolicy: every method of every rtls.v1
// service rtlsd registers (listed by server reflection) has an entry in
// the method table.
func TestEveryRegisteredMethodHasAPolicy(t *testing.T) {
	ss := startSecure(t)
	stream, err := reflectpb.NewServerReflectionClient(ss.dial(t)).ServerReflectionInfo(ss.as("ada"))
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectpb.ServerReflectionRequest{MessageRequest: &reflectpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	pol := auth.DefaultPolicy()
	n := 0
	for _, svc := range resp.GetListServicesResponse().GetService() {
		if !strings.HasPrefix(svc.Name, "rtls.v1.") {
			continue
		}
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc.Name))
		if err != nil {
			t.Fatal(err)
		}
		methods := d.(protoreflect.ServiceDescriptor).Methods()
		for i := range methods.Len() {
			n++
			if m := "/" + svc.Name + "/" + string(methods.Get(i).Name()); pol[m] == nil {
				t.Errorf("%s has no entry in auth.DefaultPolicy", m)
			}
		}
	}
	if n == 0 {
		t.Fatal("no rtls.v1 method registered")
	}
}

// TestStartRefusesWithoutTLS: without --insecure or --demo, rtlsd needs
// TLS material and credentials.
func TestStartRefusesWithoutTLS(t *testing.T) {
	_, err := Start(context.Background(), Config{Floorplans: []string{clinicPlan}, CoAPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0"}, nil)
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "--tls-cert") || !strings.Contains(err.Error(), "--tokens") {
		t.Fatalf("Start: %v, want ErrConfig naming --tls-cert and --tokens", err)
	}
}

// TestMutualTLS: with --tls-client-ca, a client without a certificate of
// that CA cannot connect; one with a certificate can (and still needs a
// token).
func TestMutualTLS(t *testing.T) {
	pki := testpki.New(t)
	cert, key := pki.Issue(t, "rtlsd")
	tok, line, err := auth.NewToken(auth.Principal{Subject: "his", Role: auth.Integration})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "tokens.jsonl")
	if err := os.WriteFile(file, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, _ := startWith(t, Config{Floorplans: []string{clinicPlan}, CoAPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0",
		API: APIConfig{TLSCert: cert, TLSKey: key, TLSClientCA: pki.CAFile, Tokens: file}, Insecure: true}) // Insecure: plain CoAP only
	call := func(cn string) error {
		cc, err := grpc.NewClient(s.GRPCAddr().String(), grpc.WithTransportCredentials(credentials.NewTLS(pki.ClientTLS(t, cn))))
		if err != nil {
			t.Fatal(err)
		}
		defer cc.Close()
		ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+tok)
		_, err = rtlsv1.NewTagRegistryServiceClient(cc).ListTags(ctx, &rtlsv1.ListTagsRequest{})
		return err
	}
	if err := call(""); status.Code(err) != codes.Unavailable {
		t.Fatalf("without a client certificate: %v, want UNAVAILABLE (handshake refused)", err)
	}
	if err := call("his-integration"); err != nil {
		t.Fatalf("with a client certificate: %v", err)
	}
}

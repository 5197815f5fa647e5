package server

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

	now := time.Now()
	for i, r := range []string{"R-L0-S03", "R-L0-S02", "R-L0-S04"} {
		if code, body := post(t, ss.s, message.AppJSON, batch(r, uint64(i+1), -60-10*float64(i), now, 5)); code != coapcodes.Changed {
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

// TestNurseSeesTheirUnit: on a live rtlsd, a nurse of 4W sees the
// location, trail and events of a patient the registry puts in 4W, and
// nothing of one in 5E (the units come from the registry: locations carry
// the tag's, events none); each lookup of the 4W patient is audited.
func TestNurseSeesTheirUnit(t *testing.T) {
	ss := startSecure(t)
	cc := ss.dial(t)
	reg := rtlsv1.NewTagRegistryServiceClient(cc)
	for id, unit := range map[string]string{"P-4W": "4W", "P-5E": "5E"} {
		if _, err := reg.PutTag(ss.as("ada"), &rtlsv1.PutTagRequest{Tag: &rtlsv1.Tag{Id: id, Class: rtlsv1.TagClass_PATIENT, UnitId: unit}}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	for i, r := range []string{"R-L0-S03", "R-L0-S02", "R-L0-S04"} {
		b := rfid.Batch{Reader: r, Seq: uint64(i + 1)}
		for j := range 5 {
			for _, tag := range []string{"P-4W", "P-5E"} {
				b.Sightings = append(b.Sightings, rfid.WireSighting{TS: now.Add(time.Duration(j-5) * time.Second).UnixMilli(), Tag: tag, RSSI: -60 - 10*float64(i)})
			}
		}
		body, _ := json.Marshal(b)
		if code, out := post(t, ss.s, message.AppJSON, body); code != coapcodes.Changed {
			t.Fatalf("batch: %v %s", code, out)
		}
	}
	// The stays in S03 take effect after the debounce: both ENTERs are
	// stored.
	events := rtlsv1.NewEventServiceClient(cc)
	personEvents := func(who string) []string {
		t.Helper()
		page, err := events.ListEvents(ss.as(who), &rtlsv1.ListEventsRequest{})
		if err != nil {
			t.Fatalf("%s ListEvents: %v", who, err)
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
	for deadline := time.Now().Add(30 * time.Second); !slices.Equal(personEvents("ada"), []string{"P-4W", "P-5E"}); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("admin events: %q, want both patients'", personEvents("ada"))
		}
	}
	if got := personEvents("nia"); !slices.Equal(got, []string{"P-4W"}) {
		t.Errorf("nurse of 4W sees the events of %q, want [P-4W]", got)
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
	if !slices.Equal(listed, []string{"P-4W"}) {
		t.Errorf("nurse ListLocations: %q, want [P-4W]", listed)
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

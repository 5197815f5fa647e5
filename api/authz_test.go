package api

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/hospitalrtls/rtls/auth"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// TestAuthUnauthenticated: no token, an unknown token and a token with a
// changed character are UNAUTHENTICATED, say nothing of the data, and are
// audited as failed authentications.
func TestAuthUnauthenticated(t *testing.T) {
	env := startSecure(t, Limits{})
	c := rtlsv1.NewLocationServiceClient(env.dial(t))
	tok := env.tokens[auth.Admin]
	for name, ctx := range map[string]context.Context{
		"none":    testContext(t),
		"unknown": withBearer(testContext(t), unknownToken(t)),
		"altered": withBearer(testContext(t), tok[:len(tok)-1]+"x"),
		"jwt":     withBearer(testContext(t), "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwicm9sZSI6ImFkbWluIn0."),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := c.GetLocation(ctx, &rtlsv1.GetLocationRequest{TagId: "P1"})
			if status.Code(err) != codes.Unauthenticated || strings.Contains(err.Error(), "P1") {
				t.Fatalf("GetLocation: %v, want UNAUTHENTICATED without data", err)
			}
		})
	}
	failed := 0
	for _, r := range env.audit.records() {
		if r.Outcome == OutcomeUnauthenticated && r.Method == "/rtls.v1.LocationService/GetLocation" && r.Subject == "" {
			failed++
		}
	}
	if failed != 4 {
		t.Errorf("audit holds %d failed authentications, want 4", failed)
	}
}

// TestAuthRolesSeeTheirTags: per role, which tags GetLocation, ListLocations
// and WatchLocations return, and what is PERMISSION_DENIED.
func TestAuthRolesSeeTheirTags(t *testing.T) {
	env := startSecure(t, Limits{})
	conn := env.dial(t)
	c := rtlsv1.NewLocationServiceClient(conn)
	analytics := rtlsv1.NewAnalyticsServiceClient(conn)
	for _, tc := range []struct {
		role    auth.Role
		sees    []string // in ListLocations and WatchLocations
		denied  []string // GetLocation is PERMISSION_DENIED
		analyze bool     // the analytics service admits the role
	}{
		{auth.Admin, []string{"A1", "P1", "P2", "S1", "U1", "A9"}, nil, true},
		{auth.Biomed, []string{"A1", "A9"}, []string{"P1", "P2", "S1", "U1"}, false},
		{auth.Nurse, []string{"A1", "P1", "S1", "A9"}, []string{"P2", "U1"}, false},
		{auth.Facilities, nil, []string{"A1", "P1", "P2", "S1", "U1", "A9"}, true},
		{auth.Integration, []string{"A1", "S1", "A9"}, []string{"P1", "P2", "U1"}, false},
	} {
		t.Run(string(tc.role), func(t *testing.T) {
			ctx := env.as(testContext(t), tc.role)
			for _, l := range wardLocations {
				_, err := c.GetLocation(ctx, &rtlsv1.GetLocationRequest{TagId: l.TagId})
				want := codes.OK
				if slices.Contains(tc.denied, l.TagId) {
					want = codes.PermissionDenied
				}
				if status.Code(err) != want {
					t.Errorf("GetLocation %s: %v, want %v", l.TagId, err, want)
				}
				if err != nil && strings.Contains(err.Error(), l.TagId) {
					t.Errorf("GetLocation %s: the error names the tag: %v", l.TagId, err)
				}
			}
			list, err := c.ListLocations(ctx, &rtlsv1.ListLocationsRequest{})
			if tc.role == auth.Facilities {
				if status.Code(err) != codes.PermissionDenied {
					t.Fatalf("ListLocations: %v, want PERMISSION_DENIED", err)
				}
			} else if got := locationTagIDs(list.GetLocations()); err != nil || !slices.Equal(got, tc.sees) {
				t.Errorf("ListLocations: %v, %v; want %v", got, err, tc.sees)
			}
			if tc.role != auth.Facilities {
				if got := watchUntil(t, c, ctx, "A9"); !slices.Equal(got, tc.sees) {
					t.Errorf("WatchLocations: %v, want %v", got, tc.sees)
				}
			}
			_, err = analytics.Dwell(ctx, &rtlsv1.DwellRequest{})
			want := codes.PermissionDenied
			if tc.analyze {
				want = codes.Unimplemented // admitted, reaches the service
			}
			if status.Code(err) != want {
				t.Errorf("Dwell: %v, want %v", err, want)
			}
		})
	}
}

// watchUntil watches locations until tag last arrives and returns the tag
// ids received.
func watchUntil(t *testing.T, c rtlsv1.LocationServiceClient, ctx context.Context, last string) []string {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := c.WatchLocations(ctx, &rtlsv1.WatchLocationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		l, err := w.Recv()
		if err != nil {
			t.Fatalf("Recv after %v: %v", got, err)
		}
		got = append(got, l.GetTagId())
		if l.GetTagId() == last {
			return got
		}
	}
}

// TestAuthAuditsPersonLookups: each response carrying person tags is
// audited with the subject, role, method and tags; asset-only responses
// are not; a stream is audited when opened and when it ends with the
// persons it delivered.
func TestAuthAuditsPersonLookups(t *testing.T) {
	env := startSecure(t, Limits{})
	c := rtlsv1.NewLocationServiceClient(env.dial(t))
	ctx := env.as(testContext(t), auth.Nurse)
	if _, err := c.GetLocation(ctx, &rtlsv1.GetLocationRequest{TagId: "A1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetLocation(ctx, &rtlsv1.GetLocationRequest{TagId: "P1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetLocation(ctx, &rtlsv1.GetLocationRequest{TagId: "P2"}); status.Code(err) != codes.PermissionDenied {
		t.Fatal(err)
	}
	watchUntil(t, c, ctx, "A9")
	want := []AuditRecord{
		{Subject: "nia", Role: "nurse", Method: "/rtls.v1.LocationService/GetLocation", Outcome: OutcomeOK, Tags: []string{"P1"}},
		{Subject: "nia", Role: "nurse", Method: "/rtls.v1.LocationService/GetLocation", Outcome: OutcomeDenied, Tags: []string{"P2"}},
		{Subject: "nia", Role: "nurse", Method: "/rtls.v1.LocationService/WatchLocations", Outcome: OutcomeOpened},
		{Subject: "nia", Role: "nurse", Method: "/rtls.v1.LocationService/WatchLocations", Outcome: OutcomeDelivered, Tags: []string{"P1", "S1"}},
	}
	var got []AuditRecord
	// The stream's summary is written as its handler ends, after the
	// client's cancel reaches the server.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if got = env.audit.records(); len(got) >= len(want) {
			break
		}
	}
	if len(got) != len(want) {
		t.Fatalf("audit: %+v, want %d records", got, len(want))
	}
	for i, r := range got {
		slices.Sort(r.Tags)
		w := want[i]
		if r.Subject != w.Subject || r.Role != w.Role || r.Method != w.Method || r.Outcome != w.Outcome || !slices.Equal(r.Tags, w.Tags) || r.Time.IsZero() {
			t.Errorf("record %d: %+v, want %+v", i, r, w)
		}
	}
}

// TestAuthStreamSummariesPerInterval: an open stream's person deliveries
// are written per AuditInterval, not only when it ends: with a clock that
// moves a minute at each read and an interval of 30 s, each person
// delivered is summarised while the stream is open.
func TestAuthStreamSummariesPerInterval(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Minute)
		return now
	}
	env := startSecureClock(t, Limits{AuditInterval: 30 * time.Second}, clock)
	c := rtlsv1.NewLocationServiceClient(env.dial(t))
	ctx, cancel := context.WithCancel(env.as(testContext(t), auth.Nurse))
	defer cancel()
	w, err := c.WatchLocations(ctx, &rtlsv1.WatchLocationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		l, err := w.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if l.GetTagId() == "A9" {
			break
		}
	}
	// The stream is still open: its summaries are already written.
	var got []string
	for _, r := range env.audit.records() {
		got = append(got, fmt.Sprintf("%s %v", r.Outcome, r.Tags))
	}
	if want := []string{"opened []", "delivered [P1]", "delivered [S1]"}; !slices.Equal(got, want) {
		t.Errorf("audit records of the open stream: %q, want %q", got, want)
	}
}

// TestPolicyCoversEveryMethod: every method of every rtls.v1 service
// compiled into the binary has an entry in the method table, so a new
// service is never open by accident (unknown methods are denied anyway:
// this test makes the omission visible).
func TestPolicyCoversEveryMethod(t *testing.T) {
	pol := auth.DefaultPolicy()
	n := 0
	protoregistry.GlobalFiles.RangeFilesByPackage("rtls.v1", func(fd protoreflect.FileDescriptor) bool {
		for i := range fd.Services().Len() {
			sd := fd.Services().Get(i)
			for j := range sd.Methods().Len() {
				m := "/" + string(sd.FullName()) + "/" + string(sd.Methods().Get(j).Name())
				n++
				if _, ok := pol[m]; !ok {
					t.Errorf("%s has no entry in auth.DefaultPolicy", m)
				}
			}
		}
		return true
	})
	if n == 0 {
		t.Fatal("no rtls.v1 method found")
	}
	if pol.Allows("/rtls.v1.NewService/Anything", auth.Admin) {
		t.Error("a method without an entry is allowed")
	}
}

// withBearer returns ctx carrying token as its bearer token.
func withBearer(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}

// unknownToken is a well-formed token no tokens file lists.
func unknownToken(t *testing.T) string {
	tok, _, err := auth.NewToken(auth.Principal{Subject: "eve", Role: auth.Admin})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestAuthTrailOfAPerson: a trail names its tag in the request only: the
// request is checked against the registry's class and unit, and a trail of
// a person is audited with its tag, allowed or denied.
func TestAuthTrailOfAPerson(t *testing.T) {
	env := startSecure(t, Limits{})
	c := rtlsv1.NewLocationServiceClient(env.dial(t))
	for _, tc := range []struct {
		role auth.Role
		tag  string
		want codes.Code
	}{
		{auth.Admin, "P2", codes.OK},
		{auth.Nurse, "P1", codes.OK},
		{auth.Nurse, "P2", codes.PermissionDenied},
		{auth.Biomed, "P1", codes.PermissionDenied},
		{auth.Biomed, "A1", codes.OK},
		{auth.Facilities, "A1", codes.PermissionDenied},
	} {
		_, err := c.GetTrail(env.as(testContext(t), tc.role), &rtlsv1.GetTrailRequest{TagId: tc.tag})
		if status.Code(err) != tc.want {
			t.Errorf("%s GetTrail(%s): %v, want %v", tc.role, tc.tag, err, tc.want)
		}
	}
	var got []string
	for _, r := range env.audit.records() {
		got = append(got, r.Role+" "+r.Outcome+" "+strings.Join(r.Tags, ","))
	}
	want := []string{"admin ok P2", "nurse ok P1", "nurse denied P2", "biomed denied P1", "facilities denied "}
	if !slices.Equal(got, want) {
		t.Errorf("audit: %q, want %q", got, want)
	}
}

// TestAuthEventsPerItem: biomed gets the asset events of a list and a
// watch, not the patient's; count events (no tag) pass.
func TestAuthEventsPerItem(t *testing.T) {
	env := startSecure(t, Limits{})
	env.store.appendEvents(
		geofence.Event{Type: geofence.Enter, Tag: "A1", Zone: "Z1", Class: geofence.ClassAsset, TS: 1000},
		geofence.Event{Type: geofence.Enter, Tag: "P1", Zone: "Z1", Class: geofence.ClassPatient, TS: 1001},
		geofence.Event{Type: geofence.BelowPar, Zone: "Z1", Class: geofence.ClassAsset, TS: 1002, Count: 1},
		geofence.Event{Type: geofence.Exit, Tag: "A1", Zone: "Z1", Class: geofence.ClassAsset, TS: 1003},
	)
	checkEventsSeen(t, env, auth.Biomed, []string{"ENTER A1", "BELOW_PAR ", "EXIT A1"})
}

// checkEventsSeen checks that role gets exactly want (type and tag of
// each event) from ListEvents and, in order, from WatchEvents.
func checkEventsSeen(t *testing.T, env *secureEnv, role auth.Role, want []string) {
	t.Helper()
	c := rtlsv1.NewEventServiceClient(env.dial(t))
	ctx := env.as(testContext(t), role)
	describe := func(e *rtlsv1.Event) string { return e.GetType().String() + " " + e.GetTagId() }
	list, err := c.ListEvents(ctx, &rtlsv1.ListEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range list.GetEvents() {
		got = append(got, describe(e))
	}
	if !slices.Equal(got, want) {
		t.Errorf("ListEvents: %q, want %q", got, want)
	}
	w, err := c.WatchEvents(ctx, &rtlsv1.WatchEventsRequest{AfterId: "0"})
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for len(got) < len(want) {
		e, err := w.Recv()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, describe(e))
	}
	if !slices.Equal(got, want) {
		t.Errorf("WatchEvents: %q, want %q", got, want)
	}
}

// TestAuthAuditDownFailsClosed: while the audit log cannot be written, a
// person lookup is UNAVAILABLE; an asset lookup (nothing to audit) works.
func TestAuthAuditDownFailsClosed(t *testing.T) {
	env := startSecure(t, Limits{})
	c := rtlsv1.NewLocationServiceClient(env.dial(t))
	ctx := env.as(testContext(t), auth.Nurse)
	env.audit.setDown(true)
	if _, err := c.GetLocation(ctx, &rtlsv1.GetLocationRequest{TagId: "P1"}); status.Code(err) != codes.Unavailable {
		t.Fatalf("person lookup with the audit log down: %v, want UNAVAILABLE", err)
	}
	if _, err := c.GetLocation(ctx, &rtlsv1.GetLocationRequest{TagId: "A1"}); err != nil {
		t.Fatalf("asset lookup with the audit log down: %v", err)
	}
	env.audit.setDown(false)
	if _, err := c.GetLocation(ctx, &rtlsv1.GetLocationRequest{TagId: "P1"}); err != nil {
		t.Fatalf("person lookup with the audit log back: %v", err)
	}
}

// TestAuthEventsNurseUnits: a nurse of 4W gets the events of 4W's
// staff and patients, not 5E's (events carry no unit: the registry's is
// used), in a list and in a watch, with one lookup of units for the list's
// page and one for the watch's batch, not one per event.
func TestAuthEventsNurseUnits(t *testing.T) {
	env := startSecure(t, Limits{})
	env.store.appendEvents(
		geofence.Event{Type: geofence.Enter, Tag: "P1", Zone: "Z1", Class: geofence.ClassPatient, TS: 1000},
		geofence.Event{Type: geofence.Enter, Tag: "P2", Zone: "Z1", Class: geofence.ClassPatient, TS: 1001},
		geofence.Event{Type: geofence.Exit, Tag: "A9", Zone: "Z1", Class: geofence.ClassAsset, TS: 1002},
		geofence.Event{Type: geofence.Exit, Tag: "P1", Zone: "Z1", Class: geofence.ClassPatient, TS: 1003},
		geofence.Event{Type: geofence.Enter, Tag: "S1", Zone: "Z2", Class: geofence.ClassStaff, TS: 1004},
		geofence.Event{Type: geofence.Exit, Tag: "P2", Zone: "Z1", Class: geofence.ClassPatient, TS: 1005},
	)
	checkEventsSeen(t, env, auth.Nurse, []string{"ENTER P1", "EXIT A9", "EXIT P1", "ENTER S1"})
	if n := env.tags.unitLookups.Load(); n != 2 {
		t.Errorf("%d lookups of units for one list page and one watch batch, want 2", n)
	}
}

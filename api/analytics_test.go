package api

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/hospitalrtls/rtls/analytics"
	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/internal/testlog"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/memstore"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

// t0 is 10:00 on the test day.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC).UnixMilli()

// analyticsVisits: six patients each stay 10 min in R1 (an icu) then 20
// min in R2 (a patient_room); two staff go R1 -> R3 (a patient_room).
func analyticsVisits() []geofence.Visit {
	var vs []geofence.Visit
	for i := range 6 {
		tag, enter := fmt.Sprintf("PAT-%d", i), t0+int64(i)*60_000
		vs = append(vs,
			geofence.Visit{Tag: tag, Class: "patient", Room: "R1", Enter: enter, Exit: enter + 600_000},
			geofence.Visit{Tag: tag, Class: "patient", Room: "R2", Enter: enter + 600_000, Exit: enter + 1_800_000})
	}
	for i := range 2 {
		tag := fmt.Sprintf("STAFF-%d", i)
		vs = append(vs,
			geofence.Visit{Tag: tag, Class: "staff", Room: "R1", Enter: t0, Exit: t0 + 60_000},
			geofence.Visit{Tag: tag, Class: "staff", Room: "R3", Enter: t0 + 60_000, Exit: t0 + 120_000})
	}
	return vs
}

// TestAnalytics serves AnalyticsService over both stores holding the
// aggregates of analyticsVisits, written by a retried update.
func TestAnalytics(t *testing.T) {
	url := redistest.StartServer(t).URL()
	for _, st := range []struct {
		name string
		open func(t *testing.T) store.Store
	}{
		{"memstore", func(t *testing.T) store.Store { return memstore.New(memstore.Options{}) }},
		{"redisstore", func(t *testing.T) store.Store {
			s, err := redisstore.New(t.Context(), redisstore.Options{URL: url, Site: "analytics", Logger: testlog.Logger()})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
	} {
		t.Run(st.name, func(t *testing.T) {
			s := st.open(t)
			t.Cleanup(func() { _ = s.Close() })
			a := analytics.NewAggregator(map[string]analytics.Room{
				"R1": {Category: "icu", Unit: "4W"}, "R2": {Category: "patient_room", Unit: "4W"},
				"R3": {Category: "patient_room", Unit: "4W"}}, nil)
			a.Visits(analyticsVisits())
			u := store.Update{Seq: 1, Analytics: a.Take()}
			for range 2 { // a retry counts once
				if _, err := s.Apply(t.Context(), u); err != nil {
					t.Fatal(err)
				}
			}
			testAnalyticsService(t, s)
		})
	}
}

func testAnalyticsService(t *testing.T, s store.Store) {
	srv, err := NewGRPCServer(WithLogger(testlog.Logger()))
	if err != nil {
		t.Fatal(err)
	}
	srv.Register(&rtlsv1.AnalyticsService_ServiceDesc, NewAnalyticsServer(s, 5, testlog.Logger()))
	c := rtlsv1.NewAnalyticsServiceClient(serveLoopback(t, srv))
	ctx := testContext(t)
	scope := func(g rtlsv1.Grouping, class rtlsv1.TagClass) *rtlsv1.AnalyticsScope {
		return &rtlsv1.AnalyticsScope{From: timestamppb.New(time.UnixMilli(t0)),
			To: timestamppb.New(time.UnixMilli(t0 + 2*analytics.HourMs)), GroupBy: g, TagClass: class}
	}
	var answers []proto.Message

	dwell, err := c.Dwell(ctx, &rtlsv1.DwellRequest{Scope: scope(rtlsv1.Grouping_ROOM, 0)})
	if err != nil {
		t.Fatal(err)
	}
	answers = append(answers, dwell)
	got := ""
	for _, r := range dwell.Rows {
		got += fmt.Sprintf("%s:%d/%d/%.0f/%v ", r.Key, r.Visits, r.DistinctTags, r.MeanS, r.Suppressed)
	}
	// R1: 6 x 600 s + 2 x 60 s over 8 tags; R3: 2 staff, suppressed.
	if want := "R1:8/8/465/false R2:6/6/1200/false R3:0/0/0/true "; got != want || dwell.MinCount != 5 {
		t.Errorf("Dwell rows %q, want %q (min %d)", got, want, dwell.MinCount)
	}

	tr, err := c.Transitions(ctx, &rtlsv1.TransitionsRequest{Scope: scope(rtlsv1.Grouping_CATEGORY, rtlsv1.TagClass_PATIENT)})
	if err != nil {
		t.Fatal(err)
	}
	answers = append(answers, tr)
	if len(tr.Rows) != 1 || tr.Rows[0].FromKey != "icu" || tr.Rows[0].ToKey != "patient_room" || tr.Rows[0].Count != 6 || tr.Rows[0].Suppressed {
		t.Errorf("Transitions of patients by category: %v", tr.Rows)
	}

	occ, err := c.Occupancy(ctx, &rtlsv1.OccupancyRequest{Scope: scope(rtlsv1.Grouping_UNIT, 0)})
	if err != nil {
		t.Fatal(err)
	}
	answers = append(answers, occ)
	if len(occ.Rows) != 1 || occ.Rows[0].Key != "4W" || occ.Rows[0].DistinctTags != 8 || !occ.Rows[0].Hour.AsTime().Equal(time.UnixMilli(t0)) {
		t.Errorf("Occupancy by unit: %v", occ.Rows)
	}

	for _, m := range answers {
		js := protojson.Format(m)
		if strings.Contains(js, "PAT-") || strings.Contains(js, "STAFF-") {
			t.Fatalf("an answer carries a tag id: %s", js)
		}
	}
}

func TestAnalyticsInvalid(t *testing.T) {
	srv, err := NewGRPCServer(WithLogger(testlog.Logger()))
	if err != nil {
		t.Fatal(err)
	}
	srv.Register(&rtlsv1.AnalyticsService_ServiceDesc, NewAnalyticsServer(memstore.New(memstore.Options{}), 5, nil))
	c := rtlsv1.NewAnalyticsServiceClient(serveLoopback(t, srv))
	ctx := testContext(t)
	ts := func(ms int64) *timestamppb.Timestamp { return timestamppb.New(time.UnixMilli(ms)) }
	day := int64(24 * time.Hour / time.Millisecond)
	for _, c2 := range []struct {
		name  string
		scope *rtlsv1.AnalyticsScope
		field string
	}{
		{"no scope", nil, "scope"},
		{"no from", &rtlsv1.AnalyticsScope{To: ts(t0)}, "scope.from"},
		{"no to", &rtlsv1.AnalyticsScope{From: ts(t0)}, "scope.to"},
		{"to before from", &rtlsv1.AnalyticsScope{From: ts(t0), To: ts(t0 - 1)}, "scope.to"},
		{"93 days", &rtlsv1.AnalyticsScope{From: ts(t0), To: ts(t0 + 93*day)}, "scope.to"},
		{"bad class", &rtlsv1.AnalyticsScope{From: ts(t0), To: ts(t0 + day), TagClass: 99}, "scope.tag_class"},
		{"bad grouping", &rtlsv1.AnalyticsScope{From: ts(t0), To: ts(t0 + day), GroupBy: 9}, "scope.group_by"},
	} {
		t.Run(c2.name, func(t *testing.T) {
			_, err := c.Dwell(ctx, &rtlsv1.DwellRequest{Scope: c2.scope})
			wantStatus(t, err, codes.InvalidArgument, c2.field)
		})
	}
	_, err = c.Utilization(ctx, &rtlsv1.UtilizationRequest{From: ts(t0)})
	wantStatus(t, err, codes.InvalidArgument, "to")
}

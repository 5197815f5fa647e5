package api

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
)

// trailRecorder answers GetTrail with a fixed page and records the query.
type trailRecorder struct {
	q    store.TrailQuery
	page store.TrailPage
}

func (r *trailRecorder) GetTrail(_ context.Context, q store.TrailQuery) (store.TrailPage, error) {
	r.q = q
	return r.page, nil
}

func TestGetTrailRangeDefaultsAndConversion(t *testing.T) {
	now := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	rec := &trailRecorder{page: store.TrailPage{
		Visits: []geofence.Visit{{Tag: "T", Room: "L0-S01", Level: "L0", Enter: 1000, Exit: 5000},
			{Tag: "T", Room: "L0-COR", Level: "L0", Enter: 5000}},
		Points:        []location.Position{{Tag: "T", TS: 1000, Level: "L0", X: 1.5, Y: 2.25, Room: "L0-S01"}},
		NextPageToken: "next"}}
	s := NewLocationServer(nil, nil, nil, nil).WithTrails(rec)
	s.now = func() time.Time { return now }
	ctx := context.Background()

	resp, err := s.GetTrail(ctx, &rtlsv1.GetTrailRequest{TagId: "T", PageSize: 7, PageToken: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	want := store.TrailQuery{Tag: "T", FromTS: now.Add(-24 * time.Hour).UnixMilli(), ToTS: now.UnixMilli(), PageSize: 7, PageToken: "tok"}
	if rec.q != want {
		t.Fatalf("query %+v, want %+v", rec.q, want)
	}
	if len(resp.Visits) != 2 || resp.Visits[0].LeftAt.AsTime().UnixMilli() != 5000 || resp.Visits[1].LeftAt != nil ||
		resp.Visits[1].EnteredAt.AsTime().UnixMilli() != 5000 || resp.Visits[0].RoomId != "L0-S01" || resp.Visits[0].LevelId != "L0" {
		t.Fatalf("visits %v", resp.Visits)
	}
	if p := resp.Points[0]; p.Time.AsTime().UnixMilli() != 1000 || p.X != 1.5 || p.Y != 2.25 || p.RoomId != "L0-S01" || p.LevelId != "L0" {
		t.Fatalf("point %v", p)
	}
	if resp.NextPageToken != "next" {
		t.Fatalf("token %q", resp.NextPageToken)
	}

	to := now.Add(-time.Hour)
	if _, err := s.GetTrail(ctx, &rtlsv1.GetTrailRequest{TagId: "T", To: timestamppb.New(to)}); err != nil {
		t.Fatal(err)
	}
	if rec.q.FromTS != to.Add(-24*time.Hour).UnixMilli() || rec.q.ToTS != to.UnixMilli() {
		t.Fatalf("range with only to: [%d, %d)", rec.q.FromTS, rec.q.ToTS)
	}
	from := now.Add(-10 * 24 * time.Hour)
	if _, err := s.GetTrail(ctx, &rtlsv1.GetTrailRequest{TagId: "T", From: timestamppb.New(from)}); err != nil {
		t.Fatal(err)
	}
	if rec.q.FromTS != from.UnixMilli() || rec.q.ToTS != now.UnixMilli() {
		t.Fatalf("range with only from: [%d, %d)", rec.q.FromTS, rec.q.ToTS)
	}
	if _, err := s.GetTrail(ctx, &rtlsv1.GetTrailRequest{TagId: "T", From: timestamppb.New(now.Add(time.Second))}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("from after the default to: %v", err)
	}
}

func TestGetTrailUnimplementedWithoutTrails(t *testing.T) {
	_, err := NewLocationServer(nil, nil, nil, nil).GetTrail(context.Background(), &rtlsv1.GetTrailRequest{TagId: "T"})
	if status.Code(err) != codes.Unimplemented {
		t.Fatalf("got %v, want UNIMPLEMENTED", err)
	}
}

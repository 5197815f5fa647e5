package api

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
)

// TrailReader reads tags' trails. store.Store implements it.
type TrailReader interface {
	// GetTrail returns one page of a tag's trail; store.ErrNotFound when
	// the tag has none in the range.
	GetTrail(ctx context.Context, q store.TrailQuery) (store.TrailPage, error)
}

// DefaultTrailRange is the range of a GetTrail request without from.
const DefaultTrailRange = 24 * time.Hour

// WithTrails makes s answer GetTrail from r, and returns s. Without it,
// GetTrail is UNIMPLEMENTED.
func (s *LocationServer) WithTrails(r TrailReader) *LocationServer {
	s.trails, s.now = r, time.Now
	return s
}

// GetTrail returns one page of a tag's visits and thinned points.
func (s *LocationServer) GetTrail(ctx context.Context, req *rtlsv1.GetTrailRequest) (*rtlsv1.GetTrailResponse, error) {
	if s.trails == nil {
		return s.UnimplementedLocationServiceServer.GetTrail(ctx, req)
	}
	q, err := s.trailQuery(req)
	if err != nil {
		return nil, err
	}
	page, err := s.trails.GetTrail(ctx, q)
	if err != nil {
		return nil, toStatus(s.log, err, "tag_id")
	}
	resp := &rtlsv1.GetTrailResponse{NextPageToken: page.NextPageToken,
		Visits: make([]*rtlsv1.Visit, len(page.Visits)), Points: make([]*rtlsv1.TrailPoint, len(page.Points))}
	for i, v := range page.Visits {
		resp.Visits[i] = visitToProto(v)
	}
	for i, p := range page.Points {
		resp.Points[i] = trailPointToProto(p)
	}
	return resp, nil
}

// trailQuery validates a request and applies the range defaults: to unset
// is now, from unset is DefaultTrailRange before to.
func (s *LocationServer) trailQuery(req *rtlsv1.GetTrailRequest) (store.TrailQuery, error) {
	if req.GetTagId() == "" {
		return store.TrailQuery{}, invalid("tag_id", "required")
	}
	if err := checkPageSize(req.GetPageSize()); err != nil {
		return store.TrailQuery{}, err
	}
	to := s.now()
	if req.To != nil {
		if err := req.To.CheckValid(); err != nil {
			return store.TrailQuery{}, invalid("to", "invalid timestamp")
		}
		to = req.To.AsTime()
	}
	from := to.Add(-DefaultTrailRange)
	if req.From != nil {
		if err := req.From.CheckValid(); err != nil {
			return store.TrailQuery{}, invalid("from", "invalid timestamp")
		}
		from = req.From.AsTime()
	}
	if !from.Before(to) {
		return store.TrailQuery{}, invalid("from", "must be before to")
	}
	return store.TrailQuery{Tag: req.GetTagId(), FromTS: from.UnixMilli(), ToTS: to.UnixMilli(),
		PageSize: int(req.GetPageSize()), PageToken: req.GetPageToken()}, nil
}

// visitToProto converts a room visit to its protobuf form.
func visitToProto(v geofence.Visit) *rtlsv1.Visit {
	out := &rtlsv1.Visit{RoomId: v.Room, LevelId: v.Level, EnteredAt: timestamppb.New(time.UnixMilli(v.Enter))}
	if !v.Open() {
		out.LeftAt = timestamppb.New(time.UnixMilli(v.Exit))
	}
	return out
}

// trailPointToProto converts a trail point to its protobuf form.
func trailPointToProto(p location.Position) *rtlsv1.TrailPoint {
	return &rtlsv1.TrailPoint{Time: timestamppb.New(time.UnixMilli(p.TS)), LevelId: p.Level, X: p.X, Y: p.Y, RoomId: p.Room}
}

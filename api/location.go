package api

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
)

// LocationServer implements rtlsv1.LocationServiceServer over a
// PositionReader.
type LocationServer struct {
	rtlsv1.UnimplementedLocationServiceServer

	positions PositionReader
	plan      PlanLookup // nil: level and room ids are not checked
	log       *slog.Logger
	trails    TrailReader      // nil: GetTrail is unimplemented (trail.go)
	now       func() time.Time // the clock of GetTrail's default range
	explain   Explainer        // nil: ExplainLocation is UNIMPLEMENTED (location_explain.go)
}

// NewLocationServer returns a LocationServer reading positions. plan, when
// not nil, rejects requests naming unknown levels or rooms; log, when not
// nil, receives store errors (never tag ids).
func NewLocationServer(positions PositionReader, plan PlanLookup, log *slog.Logger) *LocationServer {
	return &LocationServer{positions: positions, plan: plan, log: orDiscard(log)}
}

// GetLocation returns the current location of one tag.
func (s *LocationServer) GetLocation(ctx context.Context, req *rtlsv1.GetLocationRequest) (*rtlsv1.Location, error) {
	if req.GetTagId() == "" {
		return nil, invalid("tag_id", "required")
	}
	p, err := s.positions.GetPosition(ctx, req.GetTagId())
	if err != nil {
		return nil, toStatus(s.log, err, "tag_id")
	}
	return LocationToProto(p), nil
}

// ListLocations returns one page of current locations.
func (s *LocationServer) ListLocations(ctx context.Context, req *rtlsv1.ListLocationsRequest) (*rtlsv1.ListLocationsResponse, error) {
	if err := checkPageSize(req.GetPageSize()); err != nil {
		return nil, err
	}
	if err := checkPlace(s.plan, req.GetLevelId(), req.GetRoomId()); err != nil {
		return nil, err
	}
	page, err := s.positions.ListPositions(ctx, store.Query{
		Level:     req.GetLevelId(),
		Room:      req.GetRoomId(),
		PageSize:  int(req.GetPageSize()),
		PageToken: req.GetPageToken(),
	})
	if err != nil {
		return nil, toStatus(s.log, err, "request")
	}
	resp := &rtlsv1.ListLocationsResponse{
		Locations:     make([]*rtlsv1.Location, len(page.Positions)),
		NextPageToken: page.NextPageToken,
	}
	for i, p := range page.Positions {
		resp.Locations[i] = LocationToProto(p)
	}
	return resp, nil
}

// WatchLocations streams the locations selected by the request as they are
// written, until the client goes away or the store ends the watch.
func (s *LocationServer) WatchLocations(req *rtlsv1.WatchLocationsRequest, stream grpc.ServerStreamingServer[rtlsv1.Location]) error {
	if err := checkPlace(s.plan, req.GetLevelId(), req.GetRoomId()); err != nil {
		return err
	}
	ctx := stream.Context()
	updates, err := s.positions.WatchPositions(ctx)
	if err != nil {
		return toStatus(s.log, err, "watch")
	}
	// The headers tell the client that the watch is established.
	if err := stream.SendHeader(metadata.MD{}); err != nil {
		return err
	}
	m := newLocationMatcher(req)
	for p := range updates {
		if !m.match(p) {
			continue
		}
		if err := stream.Send(LocationToProto(p)); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return status.FromContextError(err).Err()
	}
	return status.Error(codes.Unavailable, "watch: the store ended the watch")
}

// orDiscard returns log, or a logger that discards everything when nil.
func orDiscard(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return log
}

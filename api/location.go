package api

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/hospitalrtls/rtls/location"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// LocationServer implements rtlsv1.LocationServiceServer over a
// PositionReader, each location joined with what the registry says of its
// tag and the unit of its room.
type LocationServer struct {
	rtlsv1.UnimplementedLocationServiceServer

	positions PositionReader
	tags      RegistryReader
	plan      PlanLookup // nil: ids are not checked, rooms have no unit
	log       *slog.Logger
	// maxReads bounds the store reads of one filtered ListLocations;
	// batch is how many registry-selected tags one read asks for.
	maxReads, batch int
	trails          TrailReader      // nil: GetTrail is unimplemented (trail.go)
	now             func() time.Time // the clock of GetTrail's default range
	explain         Explainer        // nil: ExplainLocation is UNIMPLEMENTED (location_explain.go)
}

// NewLocationServer returns a LocationServer reading positions and the
// registry tags. plan, when not nil, rejects requests naming unknown
// levels, rooms or units and gives rooms their unit; log, when not nil,
// receives store errors (never tag ids).
func NewLocationServer(positions PositionReader, tags RegistryReader, plan PlanLookup, log *slog.Logger) *LocationServer {
	return &LocationServer{positions: positions, tags: tags, plan: plan, log: orDiscard(log),
		maxReads: maxLocationReads, batch: locationBatch}
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
	locs, err := s.join(ctx, []location.Position{p})
	if err != nil {
		return nil, err
	}
	return locs[0], nil
}

// ListLocations returns one page of current locations, filtered by place,
// unit and what the registry says of each tag. A page may hold fewer
// locations than asked for while a next_page_token follows: each call
// reads a bounded number of store pages.
func (s *LocationServer) ListLocations(ctx context.Context, req *rtlsv1.ListLocationsRequest) (*rtlsv1.ListLocationsResponse, error) {
	f, err := newLocationFilter(req, s.plan)
	if err != nil {
		return nil, err
	}
	if f.registry() {
		return s.listSelected(ctx, req, f)
	}
	return s.listScanned(ctx, req, f)
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
		// The updates already waiting join the registry in one read.
		batch := []location.Position{p}
		for len(batch) < watchJoinBatch && len(updates) > 0 {
			batch = append(batch, <-updates)
		}
		batch = slices.DeleteFunc(batch, func(p location.Position) bool { return !m.match(p) })
		if len(batch) == 0 {
			continue
		}
		locs, err := s.join(ctx, batch)
		if err != nil {
			return err
		}
		prefetchLocationUnits(ctx, locs)
		for _, l := range locs {
			if err := stream.Send(l); err != nil {
				return err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return status.FromContextError(err).Err()
	}
	return status.Error(codes.Unavailable, "watch: the store ended the watch")
}

// watchJoinBatch is the most updates of a watch joined with the registry
// in one read.
const watchJoinBatch = 256

// orDiscard returns log, or a logger that discards everything when nil.
func orDiscard(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return log
}

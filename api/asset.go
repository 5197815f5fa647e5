package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/hospitalrtls/rtls/floorplans/route"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
)

// RegistryReader reads the tag registry for the services that join it
// with locations. The pipeline implements it.
type RegistryReader interface {
	// LookupTags returns the registered tags among ids, by id; ids the
	// registry does not hold are absent.
	LookupTags(ctx context.Context, ids []string) (map[string]geofence.Tag, error)
	// SelectTags returns the registered tags keep accepts, in no
	// particular order.
	SelectTags(ctx context.Context, keep func(geofence.Tag) bool) ([]geofence.Tag, error)
	// SelectKindTagIDs returns the ids of the registered tags of a class,
	// type ("" for any) and status (status accepts it; nil for any), in no
	// particular order.
	SelectKindTagIDs(ctx context.Context, class, typ string, status func(string) bool) ([]string, error)
}

// PositionGetter reads the current positions of tags by id. store.Store
// implements it.
type PositionGetter interface {
	// GetPosition returns the current position of tag, or store.ErrNotFound.
	GetPosition(ctx context.Context, tag string) (location.Position, error)
	// GetPositions returns the current positions of those of tags that
	// have one, in the order of tags.
	GetPositions(ctx context.Context, tags []string) ([]location.Position, error)
	// GetRooms returns the level and room of the current positions of
	// those of tags that have one, in the order of tags, without the
	// positions.
	GetRooms(ctx context.Context, tags []string) ([]store.TagRoom, error)
}

// Limits of FindNearest.
const (
	defaultNearest = 5
	maxNearest     = 100
)

// AssetServer implements rtlsv1.AssetServiceServer: walking-distance search
// and the lists biomed keeps a fleet with. Candidates are the registry's
// assets selected by type and status; only their positions are read from
// the store (one batch read a call), never the positions of every tag.
type AssetServer struct {
	rtlsv1.UnimplementedAssetServiceServer

	positions PositionGetter
	tags      RegistryReader
	router    *route.Router
	plan      PlanLookup
	now       func() time.Time
	log       *slog.Logger
	battery   *LowBatteryServer // nil: ListLowBattery is UNIMPLEMENTED
}

// NewAssetServer returns an AssetServer over the store's positions, the
// registry and the walking router of the plan that plan looks up. log,
// when not nil, receives store errors (never tag ids).
func NewAssetServer(positions PositionGetter, tags RegistryReader, router *route.Router, plan PlanLookup, log *slog.Logger) *AssetServer {
	return &AssetServer{positions: positions, tags: tags, router: router, plan: plan, now: time.Now, log: orDiscard(log)}
}

// WithLowBattery answers ListLowBattery with lb and returns s.
func (s *AssetServer) WithLowBattery(lb *LowBatteryServer) *AssetServer {
	s.battery = lb
	return s
}

// ListLowBattery lists the tags with a low battery (LowBatteryServer).
func (s *AssetServer) ListLowBattery(ctx context.Context, req *rtlsv1.ListLowBatteryRequest) (*rtlsv1.AssetList, error) {
	if s.battery == nil {
		return s.UnimplementedAssetServiceServer.ListLowBattery(ctx, req)
	}
	return s.battery.ListLowBattery(ctx, req)
}

// FindNearest returns the assets of a type and status nearest to an origin
// by walking distance.
func (s *AssetServer) FindNearest(ctx context.Context, req *rtlsv1.FindNearestRequest) (*rtlsv1.FindNearestResponse, error) {
	limit := int(req.GetLimit())
	if limit < 0 || limit > maxNearest {
		return nil, invalid("limit", fmt.Sprintf("must be between 0 and %d", maxNearest))
	}
	if limit == 0 {
		limit = defaultNearest
	}
	statuses, err := statusSet("statuses", req.GetStatuses())
	if err != nil {
		return nil, err
	}
	origin, err := s.origin(ctx, req.GetFrom())
	if err != nil {
		return nil, err
	}
	field, err := s.router.From(origin)
	if err != nil {
		return nil, originError(req.GetFrom(), err)
	}
	typ := req.GetAssetType()
	ids, err := s.tags.SelectKindTagIDs(ctx, geofence.ClassAsset, typ, statuses.allows)
	if err != nil {
		return nil, toStatus(s.log, err, "request")
	}
	ps, hits, err := s.nearest(ctx, field, ids, limit)
	if err != nil {
		return nil, toStatus(s.log, err, "request")
	}
	// Only the winners' registry entries are read.
	hitIDs := make([]string, len(hits))
	for i, h := range hits {
		hitIDs[i] = h.ID
	}
	tags, err := s.tags.LookupTags(ctx, hitIDs)
	if err != nil {
		return nil, toStatus(s.log, err, "request")
	}
	resp := &rtlsv1.FindNearestResponse{Results: make([]*rtlsv1.NearestAsset, len(hits))}
	for i, h := range hits {
		p, t := ps[h.Index], tags[h.ID]
		resp.Results[i] = &rtlsv1.NearestAsset{
			TagId:            h.ID,
			Name:             t.Name,
			Type:             t.Type,
			Status:           AssetStatusToProto(t.Status),
			RoomId:           p.Room,
			LevelId:          p.Level,
			WalkingDistanceM: h.Meters,
			PathRoomIds:      h.Rooms,
			LastSeenAt:       msToProto(p.TS),
			RoomProbability:  p.RoomProb,
		}
	}
	return resp, nil
}

// nearestBatch is the fewest candidate positions FindNearest reads at a
// time.
const nearestBatch = 64

// nearest ranks the candidates ids by walking distance from field's
// origin and returns the positions it read and the limit nearest hits
// (Hit.Index indexes the positions). It reads the candidates' rooms
// first, then their positions in batches by the floor of their rooms
// (Field.Floor: no walk into a room is shorter), nearest rooms first, and
// stops once the limit-th hit is nearer than the floor of every room left:
// typically a batch or two, not every candidate. A candidate that moved
// between the two reads is ranked where its position is.
func (s *AssetServer) nearest(ctx context.Context, field *route.Field, ids []string, limit int) ([]location.Position, []route.Hit, error) {
	rooms, err := s.positions.GetRooms(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	type room struct {
		id    string
		floor float64
		tags  []string
	}
	byID := map[string]*room{}
	var order []*room
	for _, r := range rooms {
		rm := byID[r.Room]
		if rm == nil {
			rm = &room{id: r.Room, floor: field.Floor(r.Room)}
			byID[r.Room] = rm
			if !math.IsInf(rm.floor, 1) {
				order = append(order, rm)
			}
		}
		rm.tags = append(rm.tags, r.Tag)
	}
	slices.SortFunc(order, func(a, b *room) int { return cmp.Or(cmp.Compare(a.floor, b.floor), strings.Compare(a.id, b.id)) })
	var (
		ps    []location.Position
		hits  []route.Hit
		batch = max(nearestBatch, 4*limit)
	)
	for i := 0; i < len(order); {
		if len(hits) == limit && order[i].floor > hits[limit-1].Meters {
			break
		}
		var next []string
		for ; i < len(order) && len(next) < batch; i++ {
			next = append(next, order[i].tags...)
		}
		got, err := s.positions.GetPositions(ctx, next)
		if err != nil {
			return nil, nil, err
		}
		ps = append(ps, got...)
		cands := make([]route.Candidate, len(ps))
		for k, p := range ps {
			cands[k] = route.Candidate{ID: p.Tag, Place: placeOf(p)}
		}
		hits = field.Nearest(cands, limit)
	}
	return ps, hits, nil
}

// origin resolves the place a search starts from; errors name the field.
func (s *AssetServer) origin(ctx context.Context, o *rtlsv1.Origin) (route.Place, error) {
	switch o.GetPlace().(type) {
	case *rtlsv1.Origin_RoomId:
		if o.GetRoomId() == "" {
			return route.Place{}, invalid("from.room_id", "required")
		}
		return route.Place{Room: o.GetRoomId()}, nil
	case *rtlsv1.Origin_TagId:
		if o.GetTagId() == "" {
			return route.Place{}, invalid("from.tag_id", "required")
		}
		p, err := s.positions.GetPosition(ctx, o.GetTagId())
		if errors.Is(err, store.ErrNotFound) {
			return route.Place{}, invalid("from.tag_id", "the tag has no current location")
		}
		if err != nil {
			return route.Place{}, toStatus(s.log, err, "from.tag_id")
		}
		return placeOf(p), nil
	case *rtlsv1.Origin_Point:
		pt := o.GetPoint()
		if pt.GetLevelId() == "" || !s.plan.HasLevel(pt.GetLevelId()) {
			return route.Place{}, invalid("from.point.level_id", "unknown level")
		}
		return route.Place{Level: pt.GetLevelId(), Point: orb.Point{pt.GetX(), pt.GetY()}, HasPoint: true}, nil
	}
	return route.Place{}, invalid("from", "required: a room_id, tag_id or point")
}

// originError turns an error of route.Router.From into a status naming the
// field of the origin at fault.
func originError(o *rtlsv1.Origin, err error) error {
	field := "from"
	switch o.GetPlace().(type) {
	case *rtlsv1.Origin_RoomId:
		field = "from.room_id"
	case *rtlsv1.Origin_TagId:
		field = "from.tag_id"
	case *rtlsv1.Origin_Point:
		field = "from.point"
	}
	switch {
	case errors.Is(err, route.ErrUnknownRoom):
		return invalid(field, "unknown room")
	case errors.Is(err, route.ErrNotInRoom), errors.Is(err, route.ErrWrongLevel):
		return invalid(field, "not in a room of the floorplan")
	}
	return invalid(field, "not a place of the floorplan")
}

// placeOf is where a position stands for walking: its point in its room,
// or the room at its point when the engine placed it in none.
func placeOf(p location.Position) route.Place {
	return route.Place{Room: p.Room, Level: p.Level, Point: orb.Point{p.X, p.Y}, HasPoint: true}
}

// statusSet checks a repeated status filter and returns it as a set of
// domain statuses (nil: any).
func statusSet(field string, ss []rtlsv1.AssetStatus) (set[string], error) {
	names := make([]string, len(ss))
	for i, st := range ss {
		if !knownAssetStatus(st) {
			return nil, invalid(field, fmt.Sprintf("unknown status %d", int32(st)))
		}
		names[i] = AssetStatusFromProto(st)
	}
	return newSet(names), nil
}

// tagIDs returns the ids of tags, in order.
func tagIDs(tags []geofence.Tag) []string {
	ids := make([]string, len(tags))
	for i, t := range tags {
		ids[i] = t.ID
	}
	return ids
}

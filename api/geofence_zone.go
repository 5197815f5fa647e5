package api

import (
	"context"

	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store/cursor"
)

// ZoneAdmin holds the zones the rules may target: the rooms and zones of
// the plan and those made through the API. CreateZone is one step where
// the zones live and fails with geofence.ErrExists for the id of a zone or
// room. Errors are those of the geofence package (a
// *geofence.ValidationError names the field of an invalid zone, an unknown
// level included; ErrPlanZone and ErrZoneInUse for zones that cannot be
// deleted) or the context's.
type ZoneAdmin interface {
	// CreateZone creates a zone and returns it as stored.
	CreateZone(ctx context.Context, z geofence.Zone) (geofence.Zone, error)
	// DeleteZone deletes a zone made through the API.
	DeleteZone(ctx context.Context, id string) error
	// Zone returns one zone or room.
	Zone(ctx context.Context, id string) (geofence.Zone, error)
	// Zones returns the zones and rooms of a level, of every level for "".
	Zones(ctx context.Context, level string) ([]geofence.Zone, error)
}

// CreateZone creates a zone. A zone without id gets one of the form
// "zone-<16 hex digits>"; an id in use by a zone or a room gives
// ALREADY_EXISTS. The polygon takes at least three points, open or closed.
func (s *GeofenceServer) CreateZone(ctx context.Context, req *rtlsv1.CreateZoneRequest) (*rtlsv1.Zone, error) {
	if req.GetZone() == nil {
		return nil, invalid("zone", "required")
	}
	z := ZoneFromProto(req.GetZone())
	stored, err := createWithID(ctx, z.ID == "", generatedZonePrefix, func(id string) (geofence.Zone, error) {
		if id != "" {
			z.ID = id
		}
		return s.admin.CreateZone(ctx, z)
	})
	if err != nil {
		return nil, writeStatus(s.log, err, "zone")
	}
	s.log.Info("geofence: zone created", "zone", stored.ID, "level", stored.Level)
	return ZoneToProto(stored), nil
}

// GetZone returns one zone or room.
func (s *GeofenceServer) GetZone(ctx context.Context, req *rtlsv1.GetZoneRequest) (*rtlsv1.Zone, error) {
	if req.GetId() == "" {
		return nil, invalid("id", "required")
	}
	z, err := s.admin.Zone(ctx, req.GetId())
	if err != nil {
		return nil, toStatus(s.log, err, "id")
	}
	return ZoneToProto(z), nil
}

// ListZones returns one page of the zones a rule may target, ordered by id:
// the rooms and zones of the plan and those made through the API, of one
// level or of all. An unknown level has none.
func (s *GeofenceServer) ListZones(ctx context.Context, req *rtlsv1.ListZonesRequest) (*rtlsv1.ListZonesResponse, error) {
	pg, err := newPager(cursor.Zones, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	zones, err := s.admin.Zones(ctx, req.GetLevelId())
	if err != nil {
		return nil, toStatus(s.log, err, "level_id")
	}
	zones, next := pageOf(pg, zones, zoneID, nil)
	resp := &rtlsv1.ListZonesResponse{Zones: make([]*rtlsv1.Zone, len(zones)), NextPageToken: next}
	for i, z := range zones {
		resp.Zones[i] = ZoneToProto(z)
	}
	return resp, nil
}

// DeleteZone deletes a zone made through the API; the admin emits EXIT
// ("zone_removed") for the tags inside. Rooms and zones of the plan, and
// zones a rule names by id, give FAILED_PRECONDITION.
func (s *GeofenceServer) DeleteZone(ctx context.Context, req *rtlsv1.DeleteZoneRequest) (*emptypb.Empty, error) {
	if req.GetId() == "" {
		return nil, invalid("id", "required")
	}
	if err := s.admin.DeleteZone(ctx, req.GetId()); err != nil {
		return nil, toStatus(s.log, err, "id")
	}
	s.log.Info("geofence: zone deleted", "zone", req.GetId())
	return &emptypb.Empty{}, nil
}

// zoneID is the key zones are paged by.
func zoneID(z geofence.Zone) string { return z.ID }

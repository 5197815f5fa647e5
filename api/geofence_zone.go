package api

import (
	"context"

	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store/cursor"
)

// CreateZone creates a zone. A zone without id gets one of the form
// "zone-<16 hex digits>"; an id in use by a zone or a room gives
// ALREADY_EXISTS. The polygon takes at least three points, open or closed.
func (s *GeofenceServer) CreateZone(ctx context.Context, req *rtlsv1.CreateZoneRequest) (*rtlsv1.Zone, error) {
	if req.GetZone() == nil {
		return nil, invalid("zone", "required")
	}
	z := ZoneFromProto(req.GetZone())
	generated := z.ID == ""
	if generated {
		z.ID = newID(generatedZonePrefix)
	}
	// The admin checks the level against the plan.
	if err := geofence.ValidateZone(z, nil); err != nil {
		return nil, toStatus(s.log, err, "zone")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	if z.ID, err = s.freeID(ctx, "zone.id", z.ID, generated, generatedZonePrefix, s.zoneExists); err != nil {
		return nil, err
	}
	if err := s.admin.PutZone(ctx, z); err != nil {
		return nil, toStatus(s.log, err, "zone")
	}
	s.log.Info("geofence: zone created", "zone", z.ID, "level", z.Level)
	return ZoneToProto(z), nil
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
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.admin.DeleteZone(ctx, req.GetId()); err != nil {
		return nil, toStatus(s.log, err, "id")
	}
	s.log.Info("geofence: zone deleted", "zone", req.GetId())
	return &emptypb.Empty{}, nil
}

// zoneExists reports whether the admin holds a zone or room.
func (s *GeofenceServer) zoneExists(ctx context.Context, id string) (bool, error) {
	_, err := s.admin.Zone(ctx, id)
	return found(err, geofence.ErrUnknownZone)
}

// zoneID is the key zones are paged by.
func zoneID(z geofence.Zone) string { return z.ID }

package api

import (
	"context"
	"log/slog"

	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// FenceAdmin manages zones, rules and the tag registry. Changes are applied
// by the pipeline that owns the geofence engine, persisted atomically with
// the events they cause (e.g. EXIT for tags inside a deleted zone).
//
// Errors are those of the geofence package: ErrUnknownRule, ErrUnknownZone
// and ErrUnknownTag for ids it does not hold; a *geofence.ValidationError
// naming the field for an invalid item (a rule naming an unknown zone
// included); ErrPlanZone and ErrZoneInUse for zones that cannot change; or
// the context's error. Lists are ordered by id.
//
// A FenceAdmin is also the GroupResolver of the EventService: pass the same
// value to NewEventServer.
type FenceAdmin interface {
	// PutRule creates a rule or replaces the rule with its id, and returns
	// it as stored.
	PutRule(ctx context.Context, r geofence.Rule) (geofence.Rule, error)
	// DeleteRule deletes a rule.
	DeleteRule(ctx context.Context, id string) error
	// Rule returns one rule.
	Rule(ctx context.Context, id string) (geofence.Rule, error)
	// Rules returns every rule.
	Rules(ctx context.Context) ([]geofence.Rule, error)
	// PutZone creates a zone or replaces the API zone with its id.
	PutZone(ctx context.Context, z geofence.Zone) error
	// DeleteZone deletes an API zone.
	DeleteZone(ctx context.Context, id string) error
	// Zone returns one zone or room.
	Zone(ctx context.Context, id string) (geofence.Zone, error)
	// Zones returns the zones and rooms of a level, of every level for "".
	Zones(ctx context.Context, level string) ([]geofence.Zone, error)
	// PutTag creates or replaces a tag and returns it as stored.
	PutTag(ctx context.Context, t geofence.Tag) (geofence.Tag, error)
	// DeleteTag deletes a tag.
	DeleteTag(ctx context.Context, id string) error
	// Tag returns one tag.
	Tag(ctx context.Context, id string) (geofence.Tag, error)
	// Tags returns every tag.
	Tags(ctx context.Context) ([]geofence.Tag, error)
	// ZonesOf resolves a group id of EventFilter.group_ids, as geofence.GroupZones
	// does: "category:<category>" or "rule:<rule id>".
	ZonesOf(group string) []string
	// KnownZone reports whether a zone or room with this id exists.
	KnownZone(id string) bool
	// KnownGroup reports whether a group id names an existing category or
	// rule, as geofence.KnownGroup does.
	KnownGroup(group string) bool
}

// A FenceAdmin resolves the group ids of the EventService.
var _ GroupResolver = FenceAdmin(nil)

// RegisterFence registers the GeofenceService and the TagRegistryService
// over admin on s. log, when not nil, receives errors of the admin (never
// tag ids).
func RegisterFence(s *GRPCServer, admin FenceAdmin, log *slog.Logger) {
	s.Register(&rtlsv1.GeofenceService_ServiceDesc, NewGeofenceServer(admin, log))
	s.Register(&rtlsv1.TagRegistryService_ServiceDesc, NewTagRegistryServer(admin, log))
}

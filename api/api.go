// Package api serves the RTLS over gRPC: the LocationService and the
// EventService of proto/rtls/v1, backed by the live state store, the
// AssetService (walking distance over the floorplan's door graph, joined
// with the registry), the GeofenceService and TagRegistryService over the
// admins of rules, zones and tags, the FloorplanService (the plan as
// GeoJSON), plus the plumbing every server needs (health, reflection,
// request logs, metrics).
//
// Protobuf types stay at this edge: the servers read domain types
// (location.Position, geofence.Event) through the small interfaces declared
// here and convert them in convert.go.
package api

import (
	"context"
	"time"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

// PositionReader reads current positions. store.Store implements it.
type PositionReader interface {
	PositionGetter
	// ListPositions pages through current positions ordered by tag id.
	ListPositions(ctx context.Context, q store.Query) (store.Page, error)
	// WatchPositions delivers positions written after the call until ctx
	// ends, then closes the channel.
	WatchPositions(ctx context.Context) (<-chan location.Position, error)
}

// EventReader reads the durable event stream. store.Store implements it.
type EventReader interface {
	// ReadEvents returns up to count events with id > afterID ("0" = from
	// the oldest retained), waiting up to block for at least one.
	ReadEvents(ctx context.Context, afterID string, count int, block time.Duration) ([]geofence.Event, error)
	// LastEventID returns the id of the newest event, "0" when there is none.
	LastEventID(ctx context.Context) (string, error)
	// FirstEventID returns the id of the oldest retained event, "0" when
	// there is none.
	FirstEventID(ctx context.Context) (string, error)
	// ListEvents pages through events in an event-time range.
	ListEvents(ctx context.Context, q store.EventQuery) (store.EventPage, error)
}

// PlanLookup tells which levels, rooms and hospital units exist, so that
// requests naming unknown ones fail with INVALID_ARGUMENT instead of
// returning nothing, and which unit each room belongs to.
type PlanLookup interface {
	// HasLevel reports whether a level with this id exists.
	HasLevel(id string) bool
	// HasRoom reports whether a room with this id exists.
	HasRoom(id string) bool
	// HasUnit reports whether a unit with this id exists.
	HasUnit(id string) bool
	// UnitOf returns the unit of a room; "" when it belongs to none.
	UnitOf(room string) string
}

// GroupResolver expands a zone group id into the ids of its zones and
// rooms, and tells which zone and group ids exist, so that a filter naming
// an unknown one fails with INVALID_ARGUMENT instead of selecting nothing.
// In the server it is the pipeline, which owns the geofence engine.
type GroupResolver interface {
	// ZonesOf returns the zone and room ids of group ("category:<category>"
	// or "rule:<rule id>", as geofence.GroupZones); none for an unknown
	// group.
	ZonesOf(ctx context.Context, group string) ([]string, error)
	// KnownZone reports whether a zone or room with this id exists.
	KnownZone(ctx context.Context, id string) (bool, error)
	// KnownGroup reports whether a group id names an existing category or
	// rule (geofence.KnownGroup).
	KnownGroup(ctx context.Context, group string) (bool, error)
}

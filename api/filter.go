package api

import (
	"context"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// set is a set of values; a nil set means "any".
type set[T comparable] map[T]struct{}

// newSet returns the set of vs, nil when vs is empty.
func newSet[T comparable](vs []T) set[T] {
	if len(vs) == 0 {
		return nil
	}
	s := make(set[T], len(vs))
	for _, v := range vs {
		s[v] = struct{}{}
	}
	return s
}

// allows reports whether v is in s, or s is nil ("any").
func (s set[T]) allows(v T) bool {
	if s == nil {
		return true
	}
	_, ok := s[v]
	return ok
}

// locationMatcher is a validated WatchLocationsRequest.
type locationMatcher struct {
	level, room string // "" = any
	tags        set[string]
}

// newLocationMatcher builds a matcher from a validated request.
func newLocationMatcher(r *rtlsv1.WatchLocationsRequest) locationMatcher {
	return locationMatcher{level: r.GetLevelId(), room: r.GetRoomId(), tags: newSet(r.GetTagIds())}
}

// match reports whether p is selected.
func (m locationMatcher) match(p location.Position) bool {
	return (m.level == "" || p.Level == m.level) &&
		(m.room == "" || p.Room == m.room) &&
		m.tags.allows(p.Tag)
}

// eventMatcher is a validated EventFilter. Group ids are expanded into zones
// by refresh, so that a long watch follows changes of the groups.
type eventMatcher struct {
	zoneIDs  []string
	groupIDs []string
	groups   GroupResolver

	zones   set[string] // zoneIDs plus the zones of groupIDs; nil = any
	tags    set[string]
	classes set[rtlsv1.TagClass]
	types   set[rtlsv1.EventType]
}

// newEventMatcher builds a matcher from a filter checked by checkFilter.
func newEventMatcher(ctx context.Context, f *rtlsv1.EventFilter, groups GroupResolver) (*eventMatcher, error) {
	m := &eventMatcher{
		zoneIDs:  f.GetZoneIds(),
		groupIDs: f.GetGroupIds(),
		groups:   groups,
		tags:     newSet(f.GetTagIds()),
		classes:  newSet(f.GetTagClasses()),
		types:    newSet(f.GetTypes()),
	}
	return m, m.refresh(ctx)
}

// refresh expands the group ids again; without group ids there is nothing
// to refresh once the zone set is built.
func (m *eventMatcher) refresh(ctx context.Context) error {
	if len(m.groupIDs) == 0 && m.zones != nil {
		return nil
	}
	if len(m.zoneIDs) == 0 && len(m.groupIDs) == 0 {
		m.zones = nil
		return nil
	}
	zones := make(set[string], len(m.zoneIDs))
	for _, z := range m.zoneIDs {
		zones[z] = struct{}{}
	}
	for _, g := range m.groupIDs {
		ids, err := m.groups.ZonesOf(ctx, g)
		if err != nil {
			return err
		}
		for _, z := range ids {
			zones[z] = struct{}{}
		}
	}
	m.zones = zones
	return nil
}

// match reports whether e is selected.
func (m *eventMatcher) match(e geofence.Event) bool {
	return m.zones.allows(e.Zone) &&
		m.tags.allows(e.Tag) &&
		m.classes.allows(TagClassToProto(e.Class)) &&
		m.types.allows(EventTypeToProto(e.Type))
}

package api

import (
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// The server only sends locations and events; the tests read them back
// into domain values with these inverses of LocationToProto and
// EventToProto.

// locationFromProto converts a protobuf location to a domain position.
func locationFromProto(l *rtlsv1.Location) location.Position {
	return location.Position{
		TS:        msFromProto(l.GetUpdatedAt()),
		Tag:       l.GetTagId(),
		Level:     l.GetLevelId(),
		X:         l.GetX(),
		Y:         l.GetY(),
		AccuracyM: l.GetAccuracyM(),
		Room:      l.GetRoomId(),
		RoomProb:  l.GetRoomProbability(),
	}
}

// eventFromProto converts a protobuf event to a domain event.
func eventFromProto(e *rtlsv1.Event) geofence.Event {
	return geofence.Event{
		ID:      e.GetId(),
		Type:    eventTypeFromProto(e.GetType()),
		Tag:     e.GetTagId(),
		Zone:    e.GetZoneId(),
		TS:      msFromProto(e.GetTime()),
		Rule:    e.GetRuleId(),
		Trigger: e.GetTrigger(),
		Class:   TagClassFromProto(e.GetTagClass()),
		Count:   int(e.GetCount()),
		Level:   e.GetLevelId(),
	}
}

// eventTypeFromProto converts a protobuf event type; UNSPECIFIED and unknown
// values become "".
func eventTypeFromProto(t rtlsv1.EventType) geofence.EventType {
	if !knownEventType(t) {
		return ""
	}
	return geofence.EventType(t.String())
}

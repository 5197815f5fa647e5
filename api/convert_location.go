package api

import (
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// joinedLocation converts a position with what the registry says of its
// tag (the zero Tag when unregistered) and the unit of its room: the one
// conversion of GetLocation, ListLocations, WatchLocations and the asset
// lists. Patients carry no name.
func joinedLocation(p location.Position, t geofence.Tag, unit string) *rtlsv1.Location {
	l := LocationToProto(p)
	l.Class = TagClassToProto(t.Class)
	l.Type = t.Type
	if t.Class != geofence.ClassPatient {
		l.Name = t.Name
	}
	l.Role = t.Role
	l.Status = AssetStatusToProto(t.Status)
	l.UnitId = unit
	return l
}

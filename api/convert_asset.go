package api

import (
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// AssetStatusToProto converts a domain asset status (geofence.Status*);
// "" and unknown statuses become ASSET_STATUS_UNSPECIFIED.
func AssetStatusToProto(s string) rtlsv1.AssetStatus {
	v, ok := rtlsv1.AssetStatus_value[s]
	if !ok {
		return rtlsv1.AssetStatus_ASSET_STATUS_UNSPECIFIED
	}
	return rtlsv1.AssetStatus(v)
}

// AssetStatusFromProto converts a protobuf asset status; UNSPECIFIED and
// unknown values become "".
func AssetStatusFromProto(s rtlsv1.AssetStatus) string {
	if !knownAssetStatus(s) {
		return ""
	}
	return s.String()
}

// knownAssetStatus reports whether s is a defined status other than
// UNSPECIFIED.
func knownAssetStatus(s rtlsv1.AssetStatus) bool {
	_, ok := rtlsv1.AssetStatus_name[int32(s)]
	return ok && s != rtlsv1.AssetStatus_ASSET_STATUS_UNSPECIFIED
}

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

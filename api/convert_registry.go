package api

import (
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// TagToProto converts a domain tag to its protobuf form.
func TagToProto(t geofence.Tag) *rtlsv1.Tag {
	return &rtlsv1.Tag{
		Id: t.ID, Class: TagClassToProto(t.Class), Type: t.Type, Name: t.Name,
		Status: AssetStatusToProto(t.Status), UnitId: t.Unit, Role: t.Role,
		Serial: t.Serial, Model: t.Model, Department: t.Department,
		MaintenanceDue: msToProto(t.MaintenanceDue), EncounterRef: t.EncounterRef,
		StatusChangedAt: msToProto(t.StatusChangedAt),
	}
}

// TagFromProto converts a protobuf tag to a domain tag; an unknown class
// or status becomes "" (PutTag rejects them first). status_changed_at is
// the server's and not read.
func TagFromProto(p *rtlsv1.Tag) geofence.Tag {
	return geofence.Tag{
		ID: p.GetId(), Class: TagClassFromProto(p.GetClass()), Type: p.GetType(), Name: p.GetName(),
		Status: AssetStatusFromProto(p.GetStatus()), Unit: p.GetUnitId(), Role: p.GetRole(),
		Serial: p.GetSerial(), Model: p.GetModel(), Department: p.GetDepartment(),
		MaintenanceDue: msFromProto(p.GetMaintenanceDue()), EncounterRef: p.GetEncounterRef(),
	}
}

// AssetStatusToProto converts a domain status (geofence.Status*); "" and
// unknown statuses become ASSET_STATUS_UNSPECIFIED.
func AssetStatusToProto(s string) rtlsv1.AssetStatus {
	if v, ok := rtlsv1.AssetStatus_value[s]; ok {
		return rtlsv1.AssetStatus(v)
	}
	return rtlsv1.AssetStatus_ASSET_STATUS_UNSPECIFIED
}

// AssetStatusFromProto converts a protobuf status to the domain's name; ""
// for UNSPECIFIED and unknown values.
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

// StatusChangeToProto converts a domain status change.
func StatusChangeToProto(c geofence.StatusChange) *rtlsv1.StatusChange {
	return &rtlsv1.StatusChange{
		Previous: AssetStatusToProto(c.Previous), Status: AssetStatusToProto(c.Status),
		Time: msToProto(c.TS), Source: c.Source, RoomId: c.Room,
	}
}

package api

import (
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

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

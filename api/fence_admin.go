package api

import (
	"log/slog"

	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// RegisterFence registers the GeofenceService and the TagRegistryService
// over admin on s: in the server, the pipeline that owns the geofence
// engine, which runs every change and read there and persists changes
// atomically with the events they cause; history is the store. log, when
// not nil, receives errors of the admin (never tag ids).
func RegisterFence(s *GRPCServer, admin interface {
	GeofenceAdmin
	TagAdmin
}, history StatusHistory, log *slog.Logger) {
	s.Register(&rtlsv1.GeofenceService_ServiceDesc, NewGeofenceServer(admin, log))
	s.Register(&rtlsv1.TagRegistryService_ServiceDesc, NewTagRegistryServer(admin, history, log))
}

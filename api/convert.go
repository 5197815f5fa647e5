package api

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
)

// errorTable maps domain errors to gRPC codes: the one place that does.
var errorTable = []struct {
	err   error
	code  codes.Code
	field string // the request field the error is about; "" = the caller's subject
	msg   string
}{
	{store.ErrNotFound, codes.NotFound, "", "not found"},
	{store.ErrUnavailable, codes.Unavailable, "store", "unavailable; retry later"},
	{store.ErrBadToken, codes.InvalidArgument, "page_token", "invalid page token"},
	{store.ErrBadEventID, codes.InvalidArgument, "after_id", "invalid event id"},
	{geofence.ErrUnknownRule, codes.NotFound, "", "not found"},
	{geofence.ErrUnknownZone, codes.NotFound, "", "not found"},
	{geofence.ErrUnknownTag, codes.NotFound, "", "not found"},
	{geofence.ErrInvalidRule, codes.InvalidArgument, "", "invalid rule"},
	{geofence.ErrInvalidZone, codes.InvalidArgument, "", "invalid zone"},
	{geofence.ErrInvalidTag, codes.InvalidArgument, "", "invalid tag"},
	{geofence.ErrExists, codes.AlreadyExists, "", "already exists"},
	{geofence.ErrPlanZone, codes.FailedPrecondition, "", "a room or zone of the floorplan; it changes only with the plan"},
	{geofence.ErrZoneInUse, codes.FailedPrecondition, "", "in use by a rule; change or delete the rules naming it first"},
}

// toStatus turns an error of a reader into a gRPC status error. subject names
// what the request was about (e.g. "tag_id") for errors that concern it; a
// *geofence.ValidationError names its field under it ("rule.duration").
// Unknown errors are logged and become INTERNAL without details, since they
// may expose internals.
func toStatus(log *slog.Logger, err error, subject string) error {
	if ve, ok := errors.AsType[*geofence.ValidationError](err); ok {
		return validationStatus(ve, subject)
	}
	for _, m := range errorTable {
		if errors.Is(err, m.err) {
			field := m.field
			if field == "" {
				field = subject
			}
			return status.Error(m.code, field+": "+m.msg)
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return status.FromContextError(err).Err()
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	log.Error("api: store error", "err", err)
	return status.Error(codes.Internal, "internal error")
}

// invalid returns an INVALID_ARGUMENT status naming the field.
func invalid(field, msg string) error {
	return status.Error(codes.InvalidArgument, field+": "+msg)
}

// LocationToProto converts a domain position to its protobuf form.
func LocationToProto(p location.Position) *rtlsv1.Location {
	return &rtlsv1.Location{
		TagId:           p.Tag,
		LevelId:         p.Level,
		X:               p.X,
		Y:               p.Y,
		AccuracyM:       p.AccuracyM,
		RoomId:          p.Room,
		RoomProbability: p.RoomProb,
		UpdatedAt:       msToProto(p.TS),
	}
}

// EventToProto converts a domain event to its protobuf form. An event type
// or class the protocol does not know becomes UNSPECIFIED.
func EventToProto(e geofence.Event) *rtlsv1.Event {
	return &rtlsv1.Event{
		Id:             e.ID,
		Type:           EventTypeToProto(e.Type),
		TagId:          e.Tag,
		ZoneId:         e.Zone,
		Time:           msToProto(e.TS),
		RuleId:         e.Rule,
		Trigger:        e.Trigger,
		TagClass:       TagClassToProto(e.Class),
		Count:          clampInt32(e.Count),
		LevelId:        e.Level,
		Status:         AssetStatusToProto(e.Status),
		PreviousStatus: AssetStatusToProto(e.Previous),
	}
}

// EventTypeToProto converts a domain event type; unknown types become
// EVENT_TYPE_UNSPECIFIED.
func EventTypeToProto(t geofence.EventType) rtlsv1.EventType {
	v, ok := rtlsv1.EventType_value[string(t)]
	if !ok {
		return rtlsv1.EventType_EVENT_TYPE_UNSPECIFIED
	}
	return rtlsv1.EventType(v)
}

// TagClassToProto converts a domain tag class ("staff", "ASSET" ...; case
// does not matter); unknown classes become TAG_CLASS_UNSPECIFIED.
func TagClassToProto(class string) rtlsv1.TagClass {
	for name, v := range rtlsv1.TagClass_value {
		if strings.EqualFold(name, class) {
			return rtlsv1.TagClass(v)
		}
	}
	return rtlsv1.TagClass_TAG_CLASS_UNSPECIFIED
}

// TagClassFromProto converts a protobuf tag class to the domain's lower-case
// name ("staff", "asset", "patient"); UNSPECIFIED and unknown values become "".
func TagClassFromProto(c rtlsv1.TagClass) string {
	if !knownTagClass(c) {
		return ""
	}
	return strings.ToLower(c.String())
}

// knownEventType reports whether t is a defined type other than UNSPECIFIED.
func knownEventType(t rtlsv1.EventType) bool {
	_, ok := rtlsv1.EventType_name[int32(t)]
	return ok && t != rtlsv1.EventType_EVENT_TYPE_UNSPECIFIED
}

// knownTagClass reports whether c is a defined class other than UNSPECIFIED.
func knownTagClass(c rtlsv1.TagClass) bool {
	_, ok := rtlsv1.TagClass_name[int32(c)]
	return ok && c != rtlsv1.TagClass_TAG_CLASS_UNSPECIFIED
}

// msToProto converts epoch milliseconds to a timestamp; 0 means unset.
func msToProto(ms int64) *timestamppb.Timestamp {
	if ms == 0 {
		return nil
	}
	return timestamppb.New(time.UnixMilli(ms))
}

// msFromProto converts a timestamp to epoch milliseconds; unset means 0.
func msFromProto(ts *timestamppb.Timestamp) int64 {
	if ts == nil {
		return 0
	}
	return ts.AsTime().UnixMilli()
}

// clampInt32 converts n to int32, saturating at the int32 range.
func clampInt32(n int) int32 {
	switch {
	case n > math.MaxInt32:
		return math.MaxInt32
	case n < math.MinInt32:
		return math.MinInt32
	}
	return int32(n)
}

package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
)

func TestLocationRoundTrip(t *testing.T) {
	for _, p := range fixturePositions {
		t.Run(p.Tag, func(t *testing.T) {
			if got := locationFromProto(LocationToProto(p)); got != p {
				t.Errorf("got %+v, want %+v", got, p)
			}
		})
	}
}

func TestEventRoundTrip(t *testing.T) {
	for i, e := range fixtureEvents {
		e.ID = fmt.Sprintf("%d-0", i+1)
		t.Run(e.ID, func(t *testing.T) {
			if got := eventFromProto(EventToProto(e)); got != e {
				t.Errorf("got %+v, want %+v", got, e)
			}
		})
	}
}

func TestEventToProto(t *testing.T) {
	tests := []struct {
		name string
		in   geofence.Event
		want *rtlsv1.Event
	}{
		{"unknown type and class", geofence.Event{ID: "1", Type: "TELEPORT", Class: "robot"}, &rtlsv1.Event{Id: "1"}},
		{"class in capitals", geofence.Event{Type: geofence.Exit, Class: "STAFF"}, &rtlsv1.Event{Type: rtlsv1.EventType_EXIT, TagClass: rtlsv1.TagClass_STAFF}},
		{"count beyond int32", geofence.Event{Type: geofence.BelowPar, Count: math.MaxInt64}, &rtlsv1.Event{Type: rtlsv1.EventType_BELOW_PAR, Count: math.MaxInt32}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EventToProto(tt.in); !proto.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestToStatus(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code codes.Code
		msg  string
	}{
		{"not found", fmt.Errorf("lookup: %w", store.ErrNotFound), codes.NotFound, "tag_id: not found"},
		{"bad token", store.ErrBadToken, codes.InvalidArgument, "page_token: invalid page token"},
		{"bad event id", store.ErrBadEventID, codes.InvalidArgument, "after_id: invalid event id"},
		{"canceled", context.Canceled, codes.Canceled, ""},
		{"deadline", fmt.Errorf("read: %w", context.DeadlineExceeded), codes.DeadlineExceeded, ""},
		{"status kept", status.Error(codes.Unavailable, "redis down"), codes.Unavailable, "redis down"},
		{"unknown error hidden", errors.New("redis: secret internals"), codes.Internal, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := status.Convert(toStatus(orDiscard(nil), tt.err, "tag_id"))
			if st.Code() != tt.code || (tt.msg != "" && st.Message() != tt.msg) {
				t.Errorf("got %v %q, want %v %q", st.Code(), st.Message(), tt.code, tt.msg)
			}
		})
	}
}

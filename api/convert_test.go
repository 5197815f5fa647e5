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

	"github.com/hospitalrtls/rtls/internal/store"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

func TestLocationRoundTrip(t *testing.T) {
	for _, p := range fixturePositions {
		t.Run(p.Tag, func(t *testing.T) {
			if got := LocationFromProto(LocationToProto(p)); got != p {
				t.Errorf("got %+v, want %+v", got, p)
			}
		})
	}
}

func TestEventRoundTrip(t *testing.T) {
	for i, e := range fixtureEvents {
		e.ID = fmt.Sprintf("%d-0", i+1)
		t.Run(e.ID, func(t *testing.T) {
			if got := EventFromProto(EventToProto(e)); got != e {
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

func TestParseEventID(t *testing.T) {
	tests := []struct {
		in   string
		want eventID
		ok   bool
	}{
		{"0", eventID{0, 0}, true},
		{"1526919030474-55", eventID{1526919030474, 55}, true},
		{"17", eventID{17, 0}, true},
		{"", eventID{}, false},
		{"-", eventID{}, false},
		{"1-", eventID{}, false},
		{"-1", eventID{}, false},
		{"+1", eventID{}, false},
		{"1-2-3", eventID{}, false},
		{"99999999999999999999", eventID{}, false},
		{"1-a", eventID{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseEventID(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("got %v %v, want %v %v", got, ok, tt.want, tt.ok)
			}
		})
	}
	order := []string{"0", "0-1", "5", "5-1", "5-10", "6-0", "10-0"}
	for i := 1; i < len(order); i++ {
		a, _ := parseEventID(order[i])
		b, _ := parseEventID(order[i-1])
		if !a.after(b) || b.after(a) {
			t.Errorf("%s should come after %s", order[i], order[i-1])
		}
	}
}

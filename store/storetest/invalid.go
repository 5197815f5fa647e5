package storetest

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

func testInvalid(t *testing.T, open Opener) {
	s := open(t, Retention{})
	good := pos("GOOD", "L0", "R0", 1)
	long := strings.Repeat("x", store.MaxIDLen+1)
	tests := []struct {
		name string
		p    location.Position
		e    geofence.Event
	}{
		{name: "empty tag", p: pos("", "L0", "R0", 1)},
		{name: "NaN x", p: location.Position{Tag: "T", X: math.NaN()}},
		{name: "infinite accuracy", p: location.Position{Tag: "T", AccuracyM: math.Inf(1)}},
		{name: "negative ts", p: location.Position{Tag: "T", TS: -1}},
		{name: "long room", p: location.Position{Tag: "T", Room: long}},
		{name: "bad UTF-8 tag", p: location.Position{Tag: "T\xff"}},
		{name: "event without type", e: geofence.Event{Tag: "T", Zone: "Z"}},
		{name: "event with negative count", e: geofence.Event{Type: geofence.BelowPar, Count: -1}},
		{name: "event with bad UTF-8 zone", e: geofence.Event{Type: geofence.Enter, Zone: "\xc3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := store.Update{Positions: []location.Position{good}}
			if tt.p != (location.Position{}) {
				u.Positions = append(u.Positions, tt.p)
			}
			if tt.e != (geofence.Event{}) {
				u.Events = []geofence.Event{event("GOOD", "Z", 1), tt.e}
			}
			if _, err := s.Apply(ctx(t), u); !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("Apply error = %v, want ErrInvalid", err)
			}
			if _, err := s.GetPosition(ctx(t), "GOOD"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a valid position of a rejected update was stored (error %v)", err)
			}
			if id, err := s.LastEventID(ctx(t)); err != nil || id != "0" {
				t.Errorf("LastEventID = %q, %v; want \"0\": an event of a rejected update was stored", id, err)
			}
		})
	}
	t.Run("BadEventID", func(t *testing.T) {
		for _, id := range []string{"", "x", "-1", "1-", "1-x", "1-2-3", " 1", "+1", "$"} {
			if _, err := s.ReadEvents(ctx(t), id, 10, 0); !errors.Is(err, store.ErrBadEventID) {
				t.Errorf("ReadEvents(after %q) error = %v, want ErrBadEventID", id, err)
			}
		}
	})
}

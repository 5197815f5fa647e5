package store

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
)

func TestValidate(t *testing.T) {
	okPos := location.Position{TS: 1, Tag: "T", Level: "L0", Room: "R", X: 1, Y: 2}
	okEv := geofence.Event{Type: geofence.Enter, Tag: "T", Zone: "R", TS: 1}
	long := strings.Repeat("x", MaxIDLen+1)
	tests := []struct {
		name    string
		u       Update
		wantErr string // "" for valid
	}{
		{"empty update", Update{}, ""},
		{"valid", Update{Positions: []location.Position{okPos}, Events: []geofence.Event{okEv}}, ""},
		{"longest ids", Update{Positions: []location.Position{{Tag: long[1:], Level: long[1:]}}}, ""},
		{"empty tag", Update{Positions: []location.Position{okPos, {}}}, "position 1: empty tag"},
		{"negative ts", Update{Positions: []location.Position{{Tag: "T", TS: -1}}}, "position 0: negative ts"},
		{"NaN", Update{Positions: []location.Position{{Tag: "T", Y: math.NaN()}}}, "non-finite"},
		{"Inf prob", Update{Positions: []location.Position{{Tag: "T", RoomProb: math.Inf(-1)}}}, "non-finite"},
		{"long level", Update{Positions: []location.Position{{Tag: "T", Level: long}}}, "level longer than 256 bytes"},
		{"bad UTF-8 room", Update{Positions: []location.Position{{Tag: "T", Room: "\xed\xa0\x80"}}}, "room not valid UTF-8"},
		{"event type", Update{Events: []geofence.Event{okEv, {Tag: "T"}}}, "event 1: empty type"},
		{"event count", Update{Events: []geofence.Event{{Type: geofence.BelowPar, Count: -2}}}, "negative count"},
		{"event ts", Update{Events: []geofence.Event{{Type: geofence.Exit, TS: -5}}}, "negative ts"},
		{"event rule", Update{Events: []geofence.Event{{Type: geofence.Exit, Rule: long}}}, "rule longer"},
		{"event class", Update{Events: []geofence.Event{{Type: geofence.Exit, Class: "\xff"}}}, "class not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.u.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want ErrInvalid with %q", err, tt.wantErr)
			}
		})
	}
}

func TestValidateNeverNamesTags(t *testing.T) {
	secret := "PATIENT-4711"
	u := Update{Positions: []location.Position{{Tag: secret, X: math.NaN()}}}
	if err := u.Validate(); err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("Validate() = %v: want an error without the tag id", err)
	}
}

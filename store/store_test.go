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
	big := make([]byte, MaxDataLen+1)
	okCfg := ConfigChange{Kind: ConfigRule, ID: "r", Data: []byte("{}")}
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
		{"fence and config", Update{Fence: map[string][]byte{"": {1}, "T": nil, long[1:]: big[1:]},
			Config: []ConfigChange{{Kind: ConfigRule, ID: "r"}, {Kind: ConfigZone, ID: long[1:], Data: big[1:]}, {Kind: ConfigTag, ID: "T", Data: []byte{}}}}, ""},
		{"fence key", Update{Fence: map[string][]byte{long: {1}}}, "fence part: key longer than 256 bytes"},
		{"fence key UTF-8", Update{Fence: map[string][]byte{"\xff": {1}}}, "fence part: key not valid UTF-8"},
		{"fence part size", Update{Fence: map[string][]byte{"T": big}}, "fence part: longer than"},
		{"config kind", Update{Config: []ConfigChange{okCfg, {ID: "r"}}}, "config 1: store: unknown config kind"},
		{"config unknown kind", Update{Config: []ConfigChange{{Kind: "rules", ID: "r"}}}, `unknown config kind: "rules"`},
		{"config id", Update{Config: []ConfigChange{{Kind: ConfigRule}}}, "config 0: empty id"},
		{"config long id", Update{Config: []ConfigChange{{Kind: ConfigTag, ID: long}}}, "id longer than"},
		{"config id UTF-8", Update{Config: []ConfigChange{{Kind: ConfigTag, ID: "\xc3"}}}, "id not valid UTF-8"},
		{"config size", Update{Config: []ConfigChange{{Kind: ConfigZone, ID: "z", Data: big}}}, "data longer than"},
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
	for _, u := range []Update{
		{Positions: []location.Position{{Tag: secret, X: math.NaN()}}},
		{Fence: map[string][]byte{secret: make([]byte, MaxDataLen+1)}},
		{Config: []ConfigChange{{Kind: ConfigTag, ID: secret, Data: make([]byte, MaxDataLen+1)}}},
	} {
		if err := u.Validate(); err == nil || strings.Contains(err.Error(), secret) {
			t.Fatalf("Validate() = %v: want an error without the tag id", err)
		}
	}
}

func TestCheckKind(t *testing.T) {
	for _, k := range ConfigKinds() {
		if err := CheckKind(k); err != nil {
			t.Errorf("CheckKind(%q) = %v", k, err)
		}
	}
	for _, k := range []string{"", "Rule", "rules", "zone "} {
		if err := CheckKind(k); !errors.Is(err, ErrBadKind) {
			t.Errorf("CheckKind(%q) = %v, want ErrBadKind", k, err)
		}
	}
	u := Update{Config: []ConfigChange{{Kind: "x", ID: "r"}}}
	if err := u.Validate(); !errors.Is(err, ErrInvalid) || !errors.Is(err, ErrBadKind) {
		t.Errorf("Validate of an unknown kind = %v, want ErrInvalid and ErrBadKind", err)
	}
}

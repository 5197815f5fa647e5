package redisstore

import (
	"encoding/json"
	"math"
	"testing"
	"unicode/utf8"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/redis/go-redis/v9"
)

func TestPositionRoundTrip(t *testing.T) {
	tests := []location.Position{
		{TS: 1763719201000, Tag: "PUMP-008", Level: "L0", X: 21.4, Y: 4.9, AccuracyM: 1.8, Room: "L0-S03", RoomProb: 0.93},
		{Tag: "only tag"},
		{TS: math.MaxInt64, Tag: "\"quoted\" \\ back", Level: "\x00\x1f\u2028", X: -0.0, Y: 1e-300, AccuracyM: math.MaxFloat64},
		{Tag: "ümlaut 日本", Room: "</script>&", X: 5e-324, Y: -1e21},
	}
	for _, p := range tests {
		data := appendPosition(nil, p)
		if !json.Valid(data) {
			t.Errorf("invalid JSON %s", data)
			continue
		}
		got, err := decodePosition(data)
		if err != nil || got != p {
			t.Errorf("round trip of %s = %+v, %v; want %+v", data, got, err, p)
		}
	}
}

func TestPositionFieldNames(t *testing.T) {
	p := location.Position{TS: 1763719201000, Tag: "PUMP-008", Level: "L0", X: 21.4, Y: 4.9, AccuracyM: 1.8, Room: "L0-S03", RoomProb: 0.5}
	want := `{"ts":1763719201000,"tag":"PUMP-008","level":"L0","x":21.4,"y":4.9,"accuracy_m":1.8,"room":"L0-S03","room_prob":0.5}`
	if got := string(appendPosition(nil, p)); got != want {
		t.Errorf("encoded\n %s\nwant\n %s", got, want)
	}
}

func FuzzPositionRoundTrip(f *testing.F) {
	f.Add(int64(1763719201000), "PUMP-008", "L0", "L0-S03", 21.4, 4.9)
	f.Add(int64(0), "\"\\\n", "", "", -0.0, 1e-300)
	f.Fuzz(func(t *testing.T, ts int64, tag, level, room string, x, y float64) {
		if tag == "" || !utf8.ValidString(tag) || !utf8.ValidString(level) || !utf8.ValidString(room) || math.IsNaN(x+y) || math.IsInf(x+y, 0) {
			t.Skip()
		}
		p := location.Position{TS: ts, Tag: tag, Level: level, Room: room, X: x, Y: y}
		got, err := decodePosition(appendPosition(nil, p))
		if err != nil || got != p {
			t.Fatalf("round trip = %+v, %v; want %+v", got, err, p)
		}
	})
}

func TestDecodePositionRejects(t *testing.T) {
	for _, data := range []string{"", "{", "[]", `{"ts":"x","tag":"T"}`, `{"ts":1}`, "null"} {
		if _, err := decodePosition([]byte(data)); err == nil {
			t.Errorf("decodePosition(%q) succeeded", data)
		}
	}
}

func TestEventArgs(t *testing.T) {
	e := geofence.Event{Type: geofence.BelowPar, Zone: "STORE", TS: 5, Rule: "par", Class: "pump", Count: 2}
	args := appendEventArgs([]any{"x"}, e)
	n, _ := args[1].(int)
	if n != len(args[2:])/2 || len(args[2:])%2 != 0 {
		t.Fatalf("args %v: count %d does not match %d pairs", args, n, len(args[2:])/2)
	}
	values := map[string]any{}
	for i := 2; i < len(args); i += 2 {
		values[args[i].(string)] = args[i+1]
	}
	got, err := decodeEvent(redis.XMessage{ID: "1-0", Values: values})
	e.ID = "1-0"
	if err != nil || got != e {
		t.Errorf("decoded %+v, %v; want %+v", got, err, e)
	}
	if _, ok := values[fieldTag]; ok {
		t.Error("an empty tag was written as a field")
	}
}

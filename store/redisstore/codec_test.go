package redisstore

import (
	"testing"

	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/redis/go-redis/v9"
)

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

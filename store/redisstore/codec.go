package redisstore

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/location/jsonl"
	"github.com/redis/go-redis/v9"
)

// Positions are stored and published as the positions objects of
// FORMATS.md with room_prob, written and read by location/jsonl, for
// example
//
//	{"ts":1763719201000,"tag":"PUMP-008","level":"L0","x":21.4,"y":4.9,"accuracy_m":1.8,"room":"L0-S03","room_prob":0.93}
//
// JSON because redis-cli, other tools and the Lua scripts (cjson) can read
// it, and it costs ~100 bytes a tag: for 50,000 tags a few MB. A binary
// encoding would save perhaps a third of that. Floats use the shortest
// form that round-trips, so a position reads back exactly as written
// (store.Update.Validate keeps ids valid UTF-8 and numbers finite).

// errCorrupt marks a stored value the store cannot decode.
var errCorrupt = errors.New("redisstore: corrupt stored value")

// decodePosition parses a stored position.
func decodePosition(data []byte) (location.Position, error) {
	p, err := jsonl.ParsePosition(data)
	if err != nil {
		return location.Position{}, fmt.Errorf("%w: %v", errCorrupt, err)
	}
	return p, nil
}

// decodePositions parses a published JSON array of positions.
func decodePositions(data []byte) ([]location.Position, error) {
	ps, err := jsonl.ParsePositions(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errCorrupt, err)
	}
	return ps, nil
}

// Stream entry fields of an event; empty strings and a zero count are left out.
const (
	fieldType    = "type"
	fieldTag     = "tag"
	fieldZone    = "zone"
	fieldTS      = "ts"
	fieldRule    = "rule"
	fieldTrigger = "trigger"
	fieldClass   = "class"
	fieldCount   = "count"
	fieldLevel   = "level"
	fieldStatus  = "status"
	fieldPrev    = "previous"
)

// appendEventArgs appends the script arguments of e: the number of fields,
// then name and value of each.
func appendEventArgs(args []any, e geofence.Event) []any {
	n := len(args)
	args = append(args, 0, fieldType, string(e.Type), fieldTS, strconv.FormatInt(e.TS, 10))
	for _, f := range [...]struct{ name, value string }{
		{fieldTag, e.Tag}, {fieldZone, e.Zone}, {fieldRule, e.Rule},
		{fieldTrigger, e.Trigger}, {fieldClass, e.Class}, {fieldLevel, e.Level}, {fieldStatus, e.Status}, {fieldPrev, e.Previous},
	} {
		if f.value != "" {
			args = append(args, f.name, f.value)
		}
	}
	if e.Count != 0 {
		args = append(args, fieldCount, strconv.Itoa(e.Count))
	}
	args[n] = (len(args) - n - 1) / 2
	return args
}

// decodeEvent turns a stream entry into an event.
func decodeEvent(m redis.XMessage) (geofence.Event, error) {
	e := geofence.Event{ID: m.ID}
	var err error
	for name, v := range m.Values {
		s, ok := v.(string)
		if !ok || !utf8.ValidString(s) {
			return e, fmt.Errorf("%w: event field %q", errCorrupt, name)
		}
		switch name {
		case fieldType:
			e.Type = geofence.EventType(s)
		case fieldTag:
			e.Tag = s
		case fieldZone:
			e.Zone = s
		case fieldTS:
			e.TS, err = strconv.ParseInt(s, 10, 64)
		case fieldRule:
			e.Rule = s
		case fieldTrigger:
			e.Trigger = s
		case fieldClass:
			e.Class = s
		case fieldCount:
			e.Count, err = strconv.Atoi(s)
		case fieldLevel:
			e.Level = s
		case fieldStatus:
			e.Status = s
		case fieldPrev:
			e.Previous = s
		}
		if err != nil {
			return e, fmt.Errorf("%w: event field %q", errCorrupt, name)
		}
	}
	if e.Type == "" {
		return e, fmt.Errorf("%w: event without type", errCorrupt)
	}
	return e, nil
}

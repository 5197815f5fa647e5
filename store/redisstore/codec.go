package redisstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/redis/go-redis/v9"
)

// Positions are stored as JSON objects with the field names of the
// positions JSON Lines of FORMATS.md (plus room_prob), for example
//
//	{"ts":1763719201000,"tag":"PUMP-008","level":"L0","x":21.4,"y":4.9,"accuracy_m":1.8,"room":"L0-S03","room_prob":0.93}
//
// JSON because redis-cli, other tools and the Lua scripts (cjson) can read
// it, and it costs ~100 bytes a tag: for 50,000 tags a few MB. A binary
// encoding would save perhaps a third of that. Floats use the shortest
// form that round-trips, so a position reads back exactly as written.

// wirePosition is the JSON form of a position, for decoding.
type wirePosition struct {
	TS        int64   `json:"ts"`
	Tag       string  `json:"tag"`
	Level     string  `json:"level"`
	X         float64 `json:"x"`
	Y         float64 `json:"y"`
	AccuracyM float64 `json:"accuracy_m"`
	Room      string  `json:"room"`
	RoomProb  float64 `json:"room_prob"`
}

// errCorrupt marks a stored value the store cannot decode.
var errCorrupt = errors.New("redisstore: corrupt stored value")

// appendPosition appends the JSON form of p. Its strings must be valid
// UTF-8 and its numbers finite (store.Update.Validate checks both).
func appendPosition(b []byte, p location.Position) []byte {
	b = append(b, `{"ts":`...)
	b = strconv.AppendInt(b, p.TS, 10)
	b = append(b, `,"tag":`...)
	b = appendString(b, p.Tag)
	if p.Level != "" {
		b = append(b, `,"level":`...)
		b = appendString(b, p.Level)
	}
	b = append(b, `,"x":`...)
	b = strconv.AppendFloat(b, p.X, 'g', -1, 64)
	b = append(b, `,"y":`...)
	b = strconv.AppendFloat(b, p.Y, 'g', -1, 64)
	b = append(b, `,"accuracy_m":`...)
	b = strconv.AppendFloat(b, p.AccuracyM, 'g', -1, 64)
	if p.Room != "" {
		b = append(b, `,"room":`...)
		b = appendString(b, p.Room)
	}
	b = append(b, `,"room_prob":`...)
	b = strconv.AppendFloat(b, p.RoomProb, 'g', -1, 64)
	return append(b, '}')
}

// appendString appends s as a JSON string; s must be valid UTF-8.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// decodePosition parses a stored position.
func decodePosition(data []byte) (location.Position, error) {
	var w wirePosition
	if err := json.Unmarshal(data, &w); err != nil || w.Tag == "" {
		return location.Position{}, errCorrupt
	}
	return w.position(), nil
}

func (w wirePosition) position() location.Position {
	return location.Position{TS: w.TS, Tag: w.Tag, Level: w.Level, X: w.X, Y: w.Y,
		AccuracyM: w.AccuracyM, Room: w.Room, RoomProb: w.RoomProb}
}

// decodePositions parses a published JSON array of positions.
func decodePositions(data []byte) ([]location.Position, error) {
	var ws []wirePosition
	if err := json.Unmarshal(data, &ws); err != nil {
		return nil, errCorrupt
	}
	ps := make([]location.Position, len(ws))
	for i, w := range ws {
		ps[i] = w.position()
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
)

// appendEventArgs appends the script arguments of e: the number of fields,
// then name and value of each.
func appendEventArgs(args []any, e geofence.Event) []any {
	n := len(args)
	args = append(args, 0, fieldType, string(e.Type), fieldTS, strconv.FormatInt(e.TS, 10))
	for _, f := range [...]struct{ name, value string }{
		{fieldTag, e.Tag}, {fieldZone, e.Zone}, {fieldRule, e.Rule},
		{fieldTrigger, e.Trigger}, {fieldClass, e.Class},
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

package jsonl

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/hospitalrtls/rtls/location"
)

// positionLine is the decoded form of a positions line.
type positionLine struct {
	TS        *int64   `json:"ts"`
	Tag       string   `json:"tag"`
	Level     *string  `json:"level"`
	X         *float64 `json:"x"`
	Y         *float64 `json:"y"`
	AccuracyM *float64 `json:"accuracy_m"`
	Room      *string  `json:"room"`
	RoomProb  float64  `json:"room_prob"`
}

// AppendPosition appends p as a positions object of FORMATS.md, with the
// extra property room_prob:
//
//	{"ts":1763719201000,"tag":"PUMP-008","level":"L0","x":21.4,"y":4.9,"accuracy_m":1.8,"room":"L0-S03","room_prob":0.93}
//
// room is null when p is in no room. A position parses back only with a
// tag and finite x and y.
func AppendPosition(b []byte, p location.Position) []byte {
	b = append(b, `{"ts":`...)
	b = strconv.AppendInt(b, p.TS, 10)
	b = append(b, `,"tag":`...)
	b = appendString(b, p.Tag)
	b = append(b, `,"level":`...)
	b = appendString(b, p.Level)
	b = append(b, `,"x":`...)
	b = appendFloat(b, p.X)
	b = append(b, `,"y":`...)
	b = appendFloat(b, p.Y)
	b = append(b, `,"accuracy_m":`...)
	b = appendFloat(b, p.AccuracyM)
	b = append(b, `,"room":`...)
	b = appendStringOrNull(b, p.Room)
	b = append(b, `,"room_prob":`...)
	b = appendFloat(b, p.RoomProb)
	return append(b, '}')
}

// ParsePosition decodes one positions object. ts, tag, level, x and y are
// required; a missing or null accuracy_m gives AccuracyM NaN, a missing or
// null room "", a missing or null room_prob 0.
func ParsePosition(data []byte) (location.Position, error) {
	var l positionLine
	if err := json.Unmarshal(data, &l); err != nil {
		return location.Position{}, fmt.Errorf("%w: %v", ErrBadLine, err)
	}
	return l.position()
}

// ParsePositions decodes a JSON array of positions objects, as the Redis
// store publishes them.
func ParsePositions(data []byte) ([]location.Position, error) {
	var ls []positionLine
	if err := json.Unmarshal(data, &ls); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadLine, err)
	}
	ps := make([]location.Position, len(ls))
	for i, l := range ls {
		p, err := l.position()
		if err != nil {
			return nil, fmt.Errorf("position %d: %w", i, err)
		}
		ps[i] = p
	}
	return ps, nil
}

func (l *positionLine) position() (location.Position, error) {
	if l.TS == nil || l.Tag == "" || l.Level == nil || l.X == nil || l.Y == nil {
		return location.Position{}, fmt.Errorf("%w: ts, tag, level, x and y are required", ErrBadLine)
	}
	acc := math.NaN()
	if l.AccuracyM != nil {
		acc = *l.AccuracyM
	}
	return location.Position{TS: *l.TS, Tag: l.Tag, Level: *l.Level, X: *l.X, Y: *l.Y,
		AccuracyM: acc, Room: deref(l.Room), RoomProb: l.RoomProb}, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

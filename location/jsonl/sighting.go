package jsonl

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/hospitalrtls/rtls/location"
)

// sightingLine is the decoded form of a sightings line; pointers tell a
// missing property from a zero.
type sightingLine struct {
	TS     *int64   `json:"ts"`
	Reader string   `json:"reader"`
	Tag    string   `json:"tag"`
	RSSI   *float64 `json:"rssi"`
	Seq    uint64   `json:"seq"`
}

// AppendSighting appends s as a sightings object of FORMATS.md:
//
//	{"ts":1763719200100,"reader":"R-L0-S02","tag":"PUMP-008","rssi":-87,"seq":12}
//
// seq is left out when 0 (unknown). A sighting parses back only with a
// reader, a tag and a finite rssi.
func AppendSighting(b []byte, s location.Sighting) []byte {
	b = append(b, `{"ts":`...)
	b = strconv.AppendInt(b, s.TS, 10)
	b = append(b, `,"reader":`...)
	b = appendString(b, s.Reader)
	b = append(b, `,"tag":`...)
	b = appendString(b, s.Tag)
	b = append(b, `,"rssi":`...)
	b = appendFloat(b, s.RSSI)
	if s.Seq != 0 {
		b = append(b, `,"seq":`...)
		b = strconv.AppendUint(b, s.Seq, 10)
	}
	return append(b, '}')
}

// ParseSighting decodes one sightings object; ts, reader, tag and rssi are
// required, seq is optional and other properties are ignored.
func ParseSighting(data []byte) (location.Sighting, error) {
	return parseSighting(data, nil)
}

// parseSighting is ParseSighting taking ids from ids (see interner).
func parseSighting(data []byte, ids *interner) (location.Sighting, error) {
	if s, ok := parseSightingFast(data, ids); ok {
		return s, nil
	}
	return parseSightingJSON(data)
}

// parseSightingJSON is ParseSighting by encoding/json, for any form.
func parseSightingJSON(data []byte) (location.Sighting, error) {
	var l sightingLine
	if err := json.Unmarshal(data, &l); err != nil {
		return location.Sighting{}, fmt.Errorf("%w: %v", ErrBadLine, err)
	}
	if l.TS == nil || l.RSSI == nil || l.Reader == "" || l.Tag == "" {
		return location.Sighting{}, fmt.Errorf("%w: ts, reader, tag and rssi are required", ErrBadLine)
	}
	return location.Sighting{TS: *l.TS, Reader: l.Reader, Tag: l.Tag, RSSI: *l.RSSI, Seq: l.Seq}, nil
}

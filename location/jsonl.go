package location

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// ErrBadLine is returned by ReadSightings for a line that is not a sighting.
var ErrBadLine = errors.New("location: bad sightings line")

// sightingLine is the JSON Lines form of a sighting (FORMATS.md).
type sightingLine struct {
	TS     *int64   `json:"ts"`
	Reader string   `json:"reader"`
	Tag    string   `json:"tag"`
	RSSI   *float64 `json:"rssi"`
}

// ReadSightings calls fn for each sighting of a JSON Lines stream, in file
// order. Blank lines are skipped; a malformed line stops the read with an
// error naming its line number.
func ReadSightings(r io.Reader, fn func(Sighting) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		var l sightingLine
		if err := json.Unmarshal(b, &l); err != nil {
			return fmt.Errorf("%w %d: %v", ErrBadLine, n, err)
		}
		if l.TS == nil || l.RSSI == nil || l.Reader == "" || l.Tag == "" {
			return fmt.Errorf("%w %d: ts, reader, tag and rssi are required", ErrBadLine, n)
		}
		if err := fn(Sighting{TS: *l.TS, Reader: l.Reader, Tag: l.Tag, RSSI: *l.RSSI}); err != nil {
			return err
		}
	}
	return sc.Err()
}

// AppendPositionJSON appends p as one JSON Lines record of FORMATS.md
// (room null when in no room), with a trailing newline. The encoding is
// deterministic: replay output is byte-identical for identical input.
func AppendPositionJSON(b []byte, p Position) []byte {
	b = append(b, `{"ts":`...)
	b = strconv.AppendInt(b, p.TS, 10)
	b = append(b, `,"tag":`...)
	b = strconv.AppendQuote(b, p.Tag)
	b = append(b, `,"level":`...)
	b = strconv.AppendQuote(b, p.Level)
	b = append(b, `,"x":`...)
	b = strconv.AppendFloat(b, p.X, 'f', -1, 64)
	b = append(b, `,"y":`...)
	b = strconv.AppendFloat(b, p.Y, 'f', -1, 64)
	b = append(b, `,"accuracy_m":`...)
	b = strconv.AppendFloat(b, p.AccuracyM, 'f', -1, 64)
	b = append(b, `,"room":`...)
	if p.Room == "" {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendQuote(b, p.Room)
	}
	b = append(b, `,"room_prob":`...)
	b = strconv.AppendFloat(b, p.RoomProb, 'f', -1, 64)
	return append(b, "}\n"...)
}

package jsonl

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// TruthRow is where a tag really is at one time: one record of the ground
// truth JSON Lines of FORMATS.md, written by the simulator and read by the
// scorer.
type TruthRow struct {
	TS    int64 // epoch milliseconds
	Tag   string
	Level string
	X, Y  float64 // site-local meters
	Room  string  // "" when the true position lies in no room (null)
}

// truthLine is the decoded form of a truth line.
type truthLine struct {
	TS    *int64   `json:"ts"`
	Tag   string   `json:"tag"`
	Level *string  `json:"level"`
	X     *float64 `json:"x"`
	Y     *float64 `json:"y"`
	Room  *string  `json:"room"`
}

// AppendTruth appends r as a ground truth object of FORMATS.md:
//
//	{"ts":1763719200000,"tag":"STAFF-000","level":"L0","x":40.54,"y":21.73,"room":"L0-N06"}
//
// room is null when r is in no room. A row parses back only with a tag and
// finite x and y.
func AppendTruth(b []byte, r TruthRow) []byte {
	b = append(b, `{"ts":`...)
	b = strconv.AppendInt(b, r.TS, 10)
	b = append(b, `,"tag":`...)
	b = appendString(b, r.Tag)
	b = append(b, `,"level":`...)
	b = appendString(b, r.Level)
	b = append(b, `,"x":`...)
	b = appendFloat(b, r.X)
	b = append(b, `,"y":`...)
	b = appendFloat(b, r.Y)
	b = append(b, `,"room":`...)
	b = appendStringOrNull(b, r.Room)
	return append(b, '}')
}

// ParseTruth decodes one ground truth object; ts, tag, level, x and y are
// required, a missing or null room gives "".
func ParseTruth(data []byte) (TruthRow, error) {
	var l truthLine
	if err := json.Unmarshal(data, &l); err != nil {
		return TruthRow{}, fmt.Errorf("%w: %v", ErrBadLine, err)
	}
	if l.TS == nil || l.Tag == "" || l.Level == nil || l.X == nil || l.Y == nil {
		return TruthRow{}, fmt.Errorf("%w: ts, tag, level, x and y are required", ErrBadLine)
	}
	return TruthRow{TS: *l.TS, Tag: l.Tag, Level: *l.Level, X: *l.X, Y: *l.Y, Room: deref(l.Room)}, nil
}

package score

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/hospitalrtls/rtls/location"
)

// ErrBadLine is returned for a JSON Lines record that cannot be scored.
var ErrBadLine = errors.New("score: bad line")

// maxLine bounds one JSON Lines record.
const maxLine = 1 << 20

// truthLine is the JSON form of a truth row.
type truthLine struct {
	TS    *int64   `json:"ts"`
	Tag   string   `json:"tag"`
	Level *string  `json:"level"`
	X     *float64 `json:"x"`
	Y     *float64 `json:"y"`
	Room  *string  `json:"room"`
}

// positionLine is the JSON form of a position.
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

// ReadTruth reads ground truth JSON Lines (FORMATS.md), plain or gzip.
// Blank lines are skipped; a malformed line is an error naming its number.
func ReadTruth(r io.Reader) ([]TruthRow, error) {
	var out []TruthRow
	err := eachLine(r, func(n int, b []byte) error {
		var l truthLine
		if err := json.Unmarshal(b, &l); err != nil {
			return fmt.Errorf("%w %d: %v", ErrBadLine, n, err)
		}
		if l.TS == nil || l.Tag == "" || l.Level == nil || l.X == nil || l.Y == nil {
			return fmt.Errorf("%w %d: ts, tag, level, x and y are required", ErrBadLine, n)
		}
		out = append(out, TruthRow{TS: *l.TS, Tag: l.Tag, Level: *l.Level, X: *l.X, Y: *l.Y, Room: deref(l.Room)})
		return nil
	})
	return out, err
}

// ReadPositions reads engine positions JSON Lines (FORMATS.md), plain or
// gzip. A missing or null accuracy_m gives AccuracyM NaN, a null room "".
func ReadPositions(r io.Reader) ([]location.Position, error) {
	var out []location.Position
	err := eachLine(r, func(n int, b []byte) error {
		var l positionLine
		if err := json.Unmarshal(b, &l); err != nil {
			return fmt.Errorf("%w %d: %v", ErrBadLine, n, err)
		}
		if l.TS == nil || l.Tag == "" || l.Level == nil || l.X == nil || l.Y == nil {
			return fmt.Errorf("%w %d: ts, tag, level, x and y are required", ErrBadLine, n)
		}
		acc := math.NaN()
		if l.AccuracyM != nil {
			acc = *l.AccuracyM
		}
		out = append(out, location.Position{TS: *l.TS, Tag: l.Tag, Level: *l.Level, X: *l.X, Y: *l.Y,
			AccuracyM: acc, Room: deref(l.Room), RoomProb: l.RoomProb})
		return nil
	})
	return out, err
}

// ReadSightings reads sightings JSON Lines (FORMATS.md), plain or gzip,
// in file order.
func ReadSightings(r io.Reader) ([]location.Sighting, error) {
	zr, err := maybeGunzip(r)
	if err != nil {
		return nil, err
	}
	var out []location.Sighting
	err = location.ReadSightings(zr, func(s location.Sighting) error {
		out = append(out, s)
		return nil
	})
	return out, err
}

// ReadTruthFile, ReadPositionsFile and ReadSightingsFile read a file by
// path; gzip files are recognised by their magic bytes.
func ReadTruthFile(path string) ([]TruthRow, error) { return readFile(path, ReadTruth) }

// ReadPositionsFile reads a positions file; see ReadTruthFile.
func ReadPositionsFile(path string) ([]location.Position, error) {
	return readFile(path, ReadPositions)
}

// ReadSightingsFile reads a sightings file; see ReadTruthFile.
func ReadSightingsFile(path string) ([]location.Sighting, error) {
	return readFile(path, ReadSightings)
}

func readFile[T any](path string, read func(io.Reader) ([]T, error)) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out, err := read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// eachLine calls fn with the number and bytes of each non-blank line.
func eachLine(r io.Reader, fn func(n int, b []byte) error) error {
	zr, err := maybeGunzip(r)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 64*1024), maxLine)
	for n := 1; sc.Scan(); n++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		if err := fn(n, b); err != nil {
			return err
		}
	}
	return sc.Err()
}

// maybeGunzip returns a reader of r's content, decompressed when r starts
// with the gzip magic bytes.
func maybeGunzip(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("score: %w", err)
		}
		return zr, nil
	}
	return br, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

package jsonl

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/hospitalrtls/rtls/location"
)

// ErrBadLine is returned (wrapped) for a line or value that is not a
// record of its format.
var ErrBadLine = errors.New("jsonl: bad line")

// MaxLine bounds one line of a JSON Lines stream.
const MaxLine = 1 << 20

// ReadSightings calls fn for each sighting of a sightings stream, in
// stream order. Blank lines are skipped; a malformed line stops the read
// with an error naming its line number; an error of fn stops it too.
// Sightings of the same reader or tag share one string for its id.
func ReadSightings(r io.Reader, fn func(location.Sighting) error) error {
	var ids interner
	return read(r, func(b []byte) (location.Sighting, error) { return parseSighting(b, &ids) }, fn)
}

// ReadPositions calls fn for each position of a positions stream, as
// ReadSightings does.
func ReadPositions(r io.Reader, fn func(location.Position) error) error {
	return read(r, ParsePosition, fn)
}

// ReadTruth calls fn for each row of a ground truth stream, as
// ReadSightings does.
func ReadTruth(r io.Reader, fn func(TruthRow) error) error {
	return read(r, ParseTruth, fn)
}

func read[T any](r io.Reader, parse func([]byte) (T, error), fn func(T) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), MaxLine)
	for n := 1; sc.Scan(); n++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		v, err := parse(b)
		if err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return sc.Err()
}

package score

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/jsonl"
)

// ReadTruth reads ground truth JSON Lines (FORMATS.md), plain or gzip.
// Blank lines are skipped; a malformed line is an error naming its number
// that wraps jsonl.ErrBadLine.
func ReadTruth(r io.Reader) ([]jsonl.TruthRow, error) {
	return readAll(r, jsonl.ReadTruth)
}

// ReadPositions reads engine positions JSON Lines (FORMATS.md), plain or
// gzip. A missing or null accuracy_m gives AccuracyM NaN, a null room "".
func ReadPositions(r io.Reader) ([]location.Position, error) {
	return readAll(r, jsonl.ReadPositions)
}

// ReadSightings reads sightings JSON Lines (FORMATS.md), plain or gzip,
// in file order.
func ReadSightings(r io.Reader) ([]location.Sighting, error) {
	return readAll(r, jsonl.ReadSightings)
}

// ReadTruthFile, ReadPositionsFile and ReadSightingsFile read a file by
// path; gzip files are recognised by their magic bytes.
func ReadTruthFile(path string) ([]jsonl.TruthRow, error) { return readFile(path, ReadTruth) }

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

// readAll collects the records that read finds in r, decompressed when r
// starts with the gzip magic bytes.
func readAll[T any](r io.Reader, read func(io.Reader, func(T) error) error) ([]T, error) {
	zr, err := maybeGunzip(r)
	if err != nil {
		return nil, err
	}
	var out []T
	err = read(zr, func(v T) error {
		out = append(out, v)
		return nil
	})
	return out, err
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

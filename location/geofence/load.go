package geofence

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Format names a file format.
type Format string

// Formats of rules and registry files.
const (
	FormatYAML Format = "yaml"
	FormatJSON Format = "json"
	FormatCSV  Format = "csv" // registry files only
)

// maxFileSize caps the rules and registry files read, in bytes.
const maxFileSize = 64 << 20

// FormatOf returns the format a file name's extension implies (.yaml, .yml,
// .json, .csv).
func FormatOf(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return FormatYAML, nil
	case ".json":
		return FormatJSON, nil
	case ".csv":
		return FormatCSV, nil
	}
	return "", fmt.Errorf("%w: %s: unknown extension (want .yaml, .yml, .json or .csv)", ErrFormat, path)
}

// readAll reads at most maxFileSize bytes.
func readAll(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrFormat, maxFileSize)
	}
	return data, nil
}

// openFile opens path and returns its format and content.
func openFile(path string) (Format, []byte, error) {
	format, err := FormatOf(path)
	if err != nil {
		return "", nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", nil, fmt.Errorf("geofence: %w", err)
	}
	defer f.Close()
	data, err := readAll(f)
	if err != nil {
		return "", nil, fmt.Errorf("geofence: %s: %w", path, err)
	}
	return format, data, nil
}

// located sets where a ValidationError was found, or prefixes another error
// with it.
func located(err error, where string) error {
	if ve, ok := err.(*ValidationError); ok {
		ve.Where = joinWhere(where, ve.Where)
		return ve
	}
	return fmt.Errorf("%w: %s: %v", ErrFormat, where, err)
}

// joinWhere joins two location parts with ": ", leaving out empty ones.
func joinWhere(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + ": " + b
}

package floorplans

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Parse reads one GeoJSON FeatureCollection (FORMATS.md) and validates it.
// source names the data in problems (a file name). Every problem found is
// returned in a *ValidationError (matching ErrInvalid); the plan is nil then.
func Parse(data []byte, source string) (*Plan, error) {
	f := newFeatures()
	f.decode(data, source, 0)
	return f.validate()
}

// LoadFile reads and validates the plan in one file.
func LoadFile(path string) (*Plan, error) {
	return LoadPaths([]string{path})
}

// LoadPaths reads the files named by paths, each a file or a directory
// whose *.geojson and *.json files are read (not recursively, in name
// order), and validates them as one plan: features of one file may refer to
// those of another, and an id may be used once across all of them.
func LoadPaths(paths []string) (*Plan, error) {
	files, err := expand(paths)
	if err != nil {
		return nil, err
	}
	f := newFeatures()
	for i, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("floorplans: %w", err)
		}
		f.decode(data, name, i)
	}
	return f.validate()
}

// expand replaces directories by the plan files in them.
func expand(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("floorplans: %w", err)
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("floorplans: %w", err)
		}
		for _, e := range entries {
			ext := strings.ToLower(filepath.Ext(e.Name()))
			if !e.IsDir() && (ext == ".geojson" || ext == ".json") {
				files = append(files, filepath.Join(p, e.Name()))
			}
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w in %s", ErrNoFiles, strings.Join(paths, ", "))
	}
	return files, nil
}

// New validates and indexes a plan built in code, as Parse does for one
// read from GeoJSON, and computes the derived fields (Room.Bound,
// Centroid, AreaM2, Door.Mid, Zone.Bound). It takes ownership of the
// features: rings are cleaned of repeated points and oriented (outer ring
// counter-clockwise, holes clockwise). Problems name features by id, or
// doors by "#Index".
func New(levels []*Level, rooms []*Room, doors []*Door, readers []*Reader, zones []*Zone) (*Plan, error) {
	if err := noNils(levels, rooms, doors, readers, zones); err != nil {
		return nil, err
	}
	f := newFeatures()
	f.levels, f.rooms, f.doors, f.readers, f.zones = levels, rooms, doors, readers, zones
	for i, x := range levels {
		f.origins[x] = origin{index: i}
	}
	for i, x := range rooms {
		f.origins[x] = origin{index: len(levels) + i}
	}
	for _, x := range doors {
		f.origins[x] = origin{index: x.Index}
	}
	for i, x := range readers {
		f.origins[x] = origin{index: len(levels) + len(rooms) + i}
	}
	for i, x := range zones {
		f.origins[x] = origin{index: len(levels) + len(rooms) + len(readers) + i}
	}
	return f.validate()
}

// noNils reports a nil feature given to New.
func noNils(levels []*Level, rooms []*Room, doors []*Door, readers []*Reader, zones []*Zone) error {
	for _, c := range []struct {
		typ string
		nil int
	}{
		{"level", nilAt(levels)}, {"room", nilAt(rooms)}, {"door", nilAt(doors)},
		{"reader", nilAt(readers)}, {"zone", nilAt(zones)},
	} {
		if c.nil >= 0 {
			return fmt.Errorf("%w: nil %s at index %d", ErrInvalid, c.typ, c.nil)
		}
	}
	return nil
}

func nilAt[T any](xs []*T) int {
	for i, x := range xs {
		if x == nil {
			return i
		}
	}
	return -1
}

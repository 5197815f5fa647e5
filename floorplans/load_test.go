package floorplans

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"
)

// The shared data sets (copies of ../../shared/datasets/*/floorplan.geojson).
var datasets = []string{"testdata/synthetic-clinic.geojson", "testdata/danis-tetam.geojson"}

func TestDatasetsLoad(t *testing.T) {
	cases := []struct {
		file                                   string
		levels, rooms, doors, readers, portals int
	}{
		{datasets[0], 1, 17, 16, 21, 2},
		{datasets[1], 1, 0, 0, 12, 0},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			p, err := LoadFile(c.file)
			if err != nil {
				t.Fatal(err)
			}
			portals := 0
			for _, r := range p.Readers {
				if r.Kind == KindRFIDPortal {
					portals++
				}
			}
			if len(p.Levels) != c.levels || len(p.Rooms) != c.rooms || len(p.Doors) != c.doors ||
				len(p.Readers) != c.readers || portals != c.portals {
				t.Errorf("got %d levels, %d rooms, %d doors, %d readers (%d portals)",
					len(p.Levels), len(p.Rooms), len(p.Doors), len(p.Readers), portals)
			}
			for _, r := range p.Rooms {
				if got := p.RoomAt(r.Level, r.Centroid); got != r {
					t.Errorf("RoomAt(centroid of %s) = %v", r.ID, got)
				}
			}
		})
	}
}

func TestSyntheticClinicGeometry(t *testing.T) {
	p, err := LoadFile(datasets[0])
	if err != nil {
		t.Fatal(err)
	}
	cor, _ := p.Room("L0-COR")
	if got := len(p.Neighbors("L0-COR")); got != 16 {
		t.Errorf("corridor has %d neighbours, want 16", got)
	}
	// The walls between rooms are 0.2 m thick and belong to no room.
	if r := p.RoomAt("L0", orb.Point{2, 8}); r != nil {
		t.Errorf("RoomAt(wall) = %s", r.ID)
	}
	// 0.2 m to the corridor's wall, then 5 cm into the corridor.
	pt := orb.Point{2, 7.9}
	if q := NearestPointInRoom(cor, pt); math.Abs(math.Hypot(q[0]-pt[0], q[1]-pt[1])-0.25) > 1e-9 {
		t.Errorf("NearestPointInRoom(corridor, %v) = %v, want 0.25 m away", pt, q)
	}
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadPathsMergesFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a-levels.geojson", collection(baseFeat[:2]...))
	writeFile(t, dir, "b-rest.json", collection(baseFeat[2:]...))
	writeFile(t, dir, "notes.txt", []byte("not a plan"))
	if err := os.Mkdir(filepath.Join(dir, "sub.geojson"), 0o700); err != nil {
		t.Fatal(err)
	}
	p, err := LoadPaths([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Levels) != 2 || len(p.Rooms) != 3 || p.RoomAt("L1", orb.Point{1, 1}) == nil {
		t.Errorf("merged plan: %d levels, %d rooms", len(p.Levels), len(p.Rooms))
	}
}

func TestLoadPathsProblems(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.geojson", base())
	b := writeFile(t, dir, "b.geojson", collection(
		feat(`"type":"room","id":"A","name":"a","level":"L1","category":"x"`, poly(fmtRing(12, 0, 14, 2))),
		feat(`"type":"room","id":"Y","name":"y","level":"L0","category":"x"`, poly(fmtRing(12, 0, 14, 2))),
	))
	_, err := LoadPaths([]string{a, b})
	got := problemsOf(t, err)
	checkProblems(t, got, []want{
		{"room", "A", "properties.id", "duplicate id, first used by room A (" + a + ")"},
		{"room", "Y", "geometry", "overlaps room B"},
	})
	if got[0].Source != b {
		t.Errorf("source = %q, want %q", got[0].Source, b)
	}
}

func TestLoadPathsErrors(t *testing.T) {
	empty := t.TempDir()
	if _, err := LoadPaths([]string{empty}); !errors.Is(err, ErrNoFiles) {
		t.Errorf("empty directory: %v, want ErrNoFiles", err)
	}
	if _, err := LoadPaths(nil); !errors.Is(err, ErrNoFiles) {
		t.Errorf("no paths: %v, want ErrNoFiles", err)
	}
	if _, err := LoadFile(filepath.Join(empty, "missing.geojson")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
}

func TestNew(t *testing.T) {
	levels := []*Level{{ID: "L0", Name: "g", Outline: rect(0, 0, 20, 10)}}
	rooms := []*Room{
		{ID: "A", Name: "a", Level: "L0", Category: "x", Polygon: rect(0, 0, 10, 10)},
		// Clockwise: New orients it.
		{ID: "B", Name: "b", Level: "L0", Category: "x", Polygon: orb.Polygon{{{10, 0}, {10, 10}, {20, 10}, {20, 0}, {10, 0}}}},
	}
	doors := []*Door{{Index: 0, Level: "L0", Line: orb.LineString{{10, 4}, {10, 6}}, Connects: [2]string{"A", "B"}}}
	readers := []*Reader{{ID: "R", Level: "L0", Kind: KindBLE, Point: orb.Point{5, 5}, RSSIAt1m: -60, PathLossExponent: 2}}
	p, err := New(levels, rooms, doors, readers, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := p.Room("B")
	if b.AreaM2 != 100 || b.Polygon[0].Orientation() != orb.CCW || p.RoomAt("L0", orb.Point{15, 5}) != b {
		t.Errorf("room B = %+v", b)
	}
	if doors[0].Mid != (orb.Point{10, 5}) {
		t.Errorf("door mid = %v", doors[0].Mid)
	}

	bad := []*Reader{{ID: "A", Level: "L0", Kind: KindBLE, Point: orb.Point{5, 5}}}
	_, err = New(levels, rooms[:1], nil, bad, nil)
	checkProblems(t, problemsOf(t, err), []want{
		{"reader", "A", "properties.id", "duplicate id"},
		{"reader", "A", "properties.path_loss_exponent", "0 outside"},
	})
	if _, err := New(levels, []*Room{nil}, nil, nil, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("nil room: %v, want ErrInvalid", err)
	}
}

package score

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/jsonl"
)

// The files in testdata exercise every rule of the reference tool: two
// levels (a wrong level costs 4 m), rooms with a wall gap between them
// (positions with a null room get the plan's room, or none in the gap),
// positions out of time order and two with the same ts (the later line
// wins), truth rows before a tag's first position, a truth row with a null
// room and one without the key, a tag without positions and a position
// without accuracy_m. The sightings add a portal, an unknown reader, a
// duplicate, more than four readers in a window and a stronger reader on
// another level.
//
// wantEngine and wantBaseline were computed once with
// tools/rtls-score --json on these files.
var (
	wantEngine = Result{Rows: 14, Coverage: 0.7857142857142857, MedianM: 1.0, P90M: 4.0, P95M: 5.802775637731995,
		LevelAccuracy: 0.7272727272727273, RoomAccuracy: 0.5, RoomChangesPerTagHour: 600, TrueRoomChangesPerTagHour: 360,
		WithinAccuracy: 0.5}
	wantBaseline = Result{Rows: 14, Coverage: 0.8571428571428571, MedianM: 3.2605136114433195, P90M: 7.391881258469793,
		P95M: 12.274671647498785, LevelAccuracy: 0.8333333333333334, RoomAccuracy: 0.8181818181818182,
		RoomChangesPerTagHour: 480, TrueRoomChangesPerTagHour: 360, WithinAccuracy: math.NaN()}
	wantLines = []string{
		"engine             coverage 0.786  median 1.00 m  p90 4.00 m  p95 5.80 m  level 0.727  room 0.500  room changes/tag-h 600.0 (truth 360.0)  within accuracy_m 0.500",
		"baseline_centroid  coverage 0.857  median 3.26 m  p90 7.39 m  p95 12.27 m  level 0.833  room 0.818  room changes/tag-h 480.0 (truth 360.0)",
	}
)

// fixture is the parsed testdata.
type fixture struct {
	plan      *floorplans.Plan
	truth     []jsonl.TruthRow
	positions []location.Position
	sightings []location.Sighting
}

func loadFixture(t *testing.T) fixture {
	t.Helper()
	var f fixture
	var err error
	if f.plan, err = floorplans.LoadFile("testdata/plan.geojson"); err != nil {
		t.Fatal(err)
	}
	if f.truth, err = ReadTruthFile("testdata/truth.jsonl"); err != nil {
		t.Fatal(err)
	}
	if f.positions, err = ReadPositionsFile("testdata/positions.jsonl"); err != nil {
		t.Fatal(err)
	}
	if f.sightings, err = ReadSightingsFile("testdata/sightings.jsonl"); err != nil {
		t.Fatal(err)
	}
	return f
}

// sameFloat compares to within a few ulps; NaN equals NaN.
func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b))
}

func checkResult(t *testing.T, got, want Result) {
	t.Helper()
	if got.Rows != want.Rows {
		t.Errorf("rows %d, want %d", got.Rows, want.Rows)
	}
	fields := []struct {
		name      string
		got, want float64
	}{
		{"coverage", got.Coverage, want.Coverage},
		{"median", got.MedianM, want.MedianM},
		{"p90", got.P90M, want.P90M},
		{"p95", got.P95M, want.P95M},
		{"level", got.LevelAccuracy, want.LevelAccuracy},
		{"room", got.RoomAccuracy, want.RoomAccuracy},
		{"room changes", got.RoomChangesPerTagHour, want.RoomChangesPerTagHour},
		{"true room changes", got.TrueRoomChangesPerTagHour, want.TrueRoomChangesPerTagHour},
		{"within", got.WithinAccuracy, want.WithinAccuracy},
	}
	for _, f := range fields {
		if !sameFloat(f.got, f.want) {
			t.Errorf("%s = %v, want %v", f.name, f.got, f.want)
		}
	}
}

func TestScoreMatchesReference(t *testing.T) {
	f := loadFixture(t)
	engine := Score(f.plan, f.truth, f.positions)
	baseline := Baseline(f.plan, f.sightings, f.truth)
	t.Run("engine", func(t *testing.T) { checkResult(t, engine, wantEngine) })
	t.Run("baseline", func(t *testing.T) { checkResult(t, baseline, wantBaseline) })
	t.Run("lines", func(t *testing.T) {
		for i, got := range []string{engine.Line("engine"), baseline.Line("baseline_centroid")} {
			if got != wantLines[i] {
				t.Errorf("line %d:\n got %q\nwant %q", i, got, wantLines[i])
			}
		}
	})
}

// referenceTool returns the path of tools/rtls-score (RTLS_SCORE_TOOL
// overrides it), or "" when it or python3 is missing.
func referenceTool() string {
	path := os.Getenv("RTLS_SCORE_TOOL")
	if path == "" {
		path = filepath.Join("..", "..", "..", "shared", "tools", "rtls-score")
	}
	if _, err := os.Stat(path); err != nil {
		return ""
	}
	if _, err := exec.LookPath("python3"); err != nil {
		return ""
	}
	return path
}

// TestScoreMatchesLiveReference runs the Python tool on the same files,
// when it is there, and compares both its JSON and its text output.
func TestScoreMatchesLiveReference(t *testing.T) {
	tool := referenceTool()
	if tool == "" {
		t.Skip("python3 or tools/rtls-score not found; TestScoreMatchesReference covers the stored numbers")
	}
	args := []string{tool, "--floorplan", "testdata/plan.geojson", "--truth", "testdata/truth.jsonl",
		"--positions", "testdata/positions.jsonl", "--sightings", "testdata/sightings.jsonl"}
	out, err := exec.Command("python3", append(args, "--json")...).Output()
	if err != nil {
		t.Fatalf("rtls-score --json: %v", err)
	}
	var ref map[string]struct {
		Rows                      int      `json:"rows"`
		Coverage                  float64  `json:"coverage"`
		MedianM                   float64  `json:"median_m"`
		P90M                      float64  `json:"p90_m"`
		P95M                      float64  `json:"p95_m"`
		LevelAccuracy             float64  `json:"level_accuracy"`
		RoomAccuracy              float64  `json:"room_accuracy"`
		RoomChangesPerTagHour     float64  `json:"room_changes_per_tag_hour"`
		TrueRoomChangesPerTagHour float64  `json:"true_room_changes_per_tag_hour"`
		WithinAccuracy            *float64 `json:"within_accuracy_m"`
	}
	if err := json.Unmarshal(out, &ref); err != nil {
		t.Fatal(err)
	}
	f := loadFixture(t)
	got := map[string]Result{"engine": Score(f.plan, f.truth, f.positions), "baseline_centroid": Baseline(f.plan, f.sightings, f.truth),
		"baseline_strongest": BaselineStrongest(f.plan, f.sightings, f.truth)}
	for name, r := range ref {
		want := Result{Rows: r.Rows, Coverage: r.Coverage, MedianM: r.MedianM, P90M: r.P90M, P95M: r.P95M,
			LevelAccuracy: r.LevelAccuracy, RoomAccuracy: r.RoomAccuracy, RoomChangesPerTagHour: r.RoomChangesPerTagHour,
			TrueRoomChangesPerTagHour: r.TrueRoomChangesPerTagHour, WithinAccuracy: math.NaN()}
		if r.WithinAccuracy != nil {
			want.WithinAccuracy = *r.WithinAccuracy
		}
		t.Run(name, func(t *testing.T) { checkResult(t, got[name], want) })
	}
	text, err := exec.Command("python3", args...).Output()
	if err != nil {
		t.Fatalf("rtls-score: %v", err)
	}
	lines := got["engine"].Line("engine") + "\n" + got["baseline_centroid"].Line("baseline_centroid") + "\n" +
		got["baseline_strongest"].Line("baseline_strongest") + "\n"
	if string(text) != lines {
		t.Errorf("text output differs:\n got %q\nwant %q", lines, text)
	}
}

func TestPercentile(t *testing.T) {
	cases := []struct {
		name string
		v    []float64
		q    float64
		want float64
	}{
		{"empty", nil, 0.5, math.NaN()},
		{"one", []float64{3}, 0.9, 3},
		{"median even", []float64{1, 2, 3, 4}, 0.5, 2.5},
		{"p90 interpolated", []float64{0, 10}, 0.9, 9},
		{"max", []float64{1, 2, 7}, 1, 7},
		{"min", []float64{1, 2, 7}, 0, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Percentile(c.v, c.q); !sameFloat(got, c.want) {
				t.Errorf("Percentile(%v, %v) = %v, want %v", c.v, c.q, got, c.want)
			}
		})
	}
}

func TestScoreEdgeCases(t *testing.T) {
	f := loadFixture(t)
	cases := []struct {
		name      string
		truth     []jsonl.TruthRow
		positions []location.Position
		want      Result
	}{
		{"no truth", nil, f.positions, Result{MedianM: math.NaN(), P90M: math.NaN(), P95M: math.NaN(), WithinAccuracy: math.NaN()}},
		{"no positions", f.truth[:2], nil, Result{Rows: 2, MedianM: math.NaN(), P90M: math.NaN(), P95M: math.NaN(), WithinAccuracy: math.NaN()}},
		{"two levels off", []jsonl.TruthRow{{TS: 10, Tag: "a", Level: "L0", X: 1, Y: 1}},
			[]location.Position{{TS: 10, Tag: "a", Level: "L1", X: 4, Y: 5, AccuracyM: 9}},
			Result{Rows: 1, Coverage: 1, MedianM: 9, P90M: 9, P95M: 9, WithinAccuracy: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkResult(t, Score(f.plan, c.truth, c.positions), c.want) })
	}
}

func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReadTruthGzip(t *testing.T) {
	plain, err := os.ReadFile("testdata/truth.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	want, err := ReadTruth(bytes.NewReader(plain))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "truth.jsonl.gz")
	if err := os.WriteFile(path, gzipped(t, plain), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadTruthFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 14 || len(got) != len(want) {
		t.Fatalf("%d rows from gzip, %d plain, want 14", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("row %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if got[9].Room != "" || got[13].Room != "" || got[0].Room != "A" {
		t.Errorf("rooms of rows 0, 9, 13: %q %q %q, want A, null, missing", got[0].Room, got[9].Room, got[13].Room)
	}
}

func TestReadErrors(t *testing.T) {
	cases := []struct {
		name, in, want string
		read           func(string) error
	}{
		{"truth not json", `{"ts":1,"tag":"a","level":"L0","x":1,"y":2}` + "\n{oops\n", "line 2: jsonl: bad line", readTruthString},
		{"truth without level", `{"ts":1,"tag":"a","x":1,"y":2}`, "line 1: jsonl: bad line: ts, tag, level", readTruthString},
		{"position without x", `{"ts":1,"tag":"a","level":"L0","y":2}`, "line 1: jsonl: bad line", readPositionsString},
		{"truncated gzip", string(gzipped(t, []byte(`{"ts":1,"tag":"a","level":"L0","x":1,"y":2}`+"\n"))[:12]), "", readTruthString},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.read(c.in)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	if _, err := ReadTruth(strings.NewReader("[1]\n")); !errors.Is(err, jsonl.ErrBadLine) {
		t.Errorf("error %v, want ErrBadLine", err)
	}
}

func readTruthString(s string) error {
	_, err := ReadTruth(strings.NewReader(s))
	return err
}

func readPositionsString(s string) error {
	_, err := ReadPositions(strings.NewReader(s))
	return err
}

func TestReadPositionsOptionalFields(t *testing.T) {
	ps, err := ReadPositions(strings.NewReader(`{"ts":5,"tag":"a","level":"L0","x":1,"y":2}` + "\n\n" +
		`{"ts":6,"tag":"a","level":"L0","x":1,"y":2,"accuracy_m":null,"room":"A","room_prob":0.5}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || !math.IsNaN(ps[0].AccuracyM) || !math.IsNaN(ps[1].AccuracyM) || ps[0].Room != "" || ps[1].Room != "A" || ps[1].RoomProb != 0.5 {
		t.Errorf("got %+v", ps)
	}
}

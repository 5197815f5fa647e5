package location_test

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/demo"
	"github.com/hospitalrtls/rtls/internal/score"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/jsonl"
)

// datasets is the accuracy data of the repository (testdata/datasets/README.md).
const datasets = "../testdata/datasets"

func datasetPlan(t testing.TB, name string) *floorplans.Plan {
	t.Helper()
	plan, err := floorplans.LoadFile(filepath.Join(datasets, name, "floorplan.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

func datasetSightings(t testing.TB, name string) []location.Sighting {
	t.Helper()
	ss, err := score.ReadSightingsFile(filepath.Join(datasets, name, "sightings.jsonl.gz"))
	if err != nil {
		t.Fatal(err)
	}
	return ss
}

func datasetTruth(t testing.TB, name string) []jsonl.TruthRow {
	t.Helper()
	rows, err := score.ReadTruthFile(filepath.Join(datasets, name, "truth.jsonl.gz"))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func demoPlan(t testing.TB) *floorplans.Plan {
	t.Helper()
	plan, err := floorplans.Parse(demo.Floorplan(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

func newEngine(t testing.TB, plan *floorplans.Plan, cfg location.Config) *location.Engine {
	t.Helper()
	eng, err := location.New(plan, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// replay feeds ss to eng as cmd/rtlsctl replay does (location.Replayer).
func replay(eng *location.Engine, ss []location.Sighting) []location.Position {
	r := location.NewReplayer(eng)
	out := replayPrefix(r, ss)
	return append(out, r.Close()...)
}

// replayPrefix adds ss to r and returns what its barriers emitted.
func replayPrefix(r *location.Replayer, ss []location.Sighting) []location.Position {
	var out []location.Position
	for _, s := range ss {
		ps, _ := r.Add(s) // rejections are counted in Stats
		out = append(out, ps...)
	}
	return out
}

// encode is the replay output of ps, byte for byte.
func encode(ps []location.Position) []byte {
	var b []byte
	for _, p := range ps {
		b = append(jsonl.AppendPosition(b, p), '\n')
	}
	return b
}

// prefixUntil returns the sightings of ss (in file order) up to the first
// with ts beyond the first ts plus d milliseconds.
func prefixUntil(ss []location.Sighting, d int64) []location.Sighting {
	i := slices.IndexFunc(ss, func(s location.Sighting) bool { return s.TS > ss[0].TS+d })
	if i < 0 {
		return ss
	}
	return ss[:i]
}

// radio simulates what the ranging readers of a plan hear from a tag: the
// nominal log-distance model of each reader, a wall loss when tag and
// reader are in different rooms, a floor loss per level, and Gaussian
// noise from a fixed seed.
type radio struct {
	plan    *floorplans.Plan
	rng     *rand.Rand
	readers []*floorplans.Reader
	noiseDB float64
	minRSSI float64 // weaker readings are not heard
}

func newRadio(plan *floorplans.Plan, seed uint64) *radio {
	r := &radio{plan: plan, rng: rand.New(rand.NewPCG(seed, 7)), noiseDB: 2, minRSSI: -90}
	for _, rd := range plan.Readers {
		if rd.Kind.Ranging() {
			r.readers = append(r.readers, rd)
		}
	}
	return r
}

// elevation follows the engine's rule: elevation_m, else ordinal x 4 m.
func elevation(l *floorplans.Level) float64 {
	if l.ElevationM == 0 && l.Ordinal != 0 {
		return float64(l.Ordinal) * 4
	}
	return l.ElevationM
}

// rssi is the simulated reading of reader rd for a tag at (level, x, y).
func (r *radio) rssi(rd *floorplans.Reader, level string, x, y float64) float64 {
	tl, _ := r.plan.Level(level)
	rl, _ := r.plan.Level(rd.Level)
	dz := elevation(rl) + rd.HeightM - elevation(tl) - 1.2
	d := math.Max(0.3, math.Sqrt((x-rd.Point[0])*(x-rd.Point[0])+(y-rd.Point[1])*(y-rd.Point[1])+dz*dz))
	v := rd.RSSIAt1m - 10*rd.PathLossExponent*math.Log10(d) + r.rng.NormFloat64()*r.noiseDB
	if r.plan.RoomAt(rd.Level, rd.Point) != r.plan.RoomAt(level, [2]float64{x, y}) {
		v -= 6
	}
	return math.Round(v - 18*math.Abs(float64(rl.Ordinal-tl.Ordinal)))
}

// hear returns one sighting per reader of onLevels (all levels when empty)
// that hears the tag during the second starting at ms, strongest first,
// at most max of them (all when 0).
func (r *radio) hear(tag string, ms int64, level string, x, y float64, max int, onLevels ...string) []location.Sighting {
	var out []location.Sighting
	for _, rd := range r.readers {
		if len(onLevels) > 0 && !slices.Contains(onLevels, rd.Level) {
			continue
		}
		if v := r.rssi(rd, level, x, y); v >= r.minRSSI {
			out = append(out, location.Sighting{Reader: rd.ID, Tag: tag, RSSI: v})
		}
	}
	slices.SortStableFunc(out, func(a, b location.Sighting) int { return int(b.RSSI - a.RSSI) })
	if max > 0 && len(out) > max {
		out = out[:max]
	}
	for i := range out {
		out[i].TS = ms + 100 + int64(i)*50
	}
	return out
}

// checkInRooms checks that every position on a level with rooms names a
// room of that level and, when its room probability is at least 0.5, lies
// inside it (floorplans.RoomAt).
func checkInRooms(t *testing.T, plan *floorplans.Plan, ps []location.Position) {
	t.Helper()
	bad := 0
	for i, p := range ps {
		if len(plan.RoomsOn(p.Level)) == 0 || p.RoomProb < 0.5 {
			continue // below 0.5 the position is the level's mean (docs/accuracy.md)
		}
		r, ok := plan.Room(p.Room)
		at := plan.RoomAt(p.Level, orb.Point{p.X, p.Y})
		if ok && r.Level == p.Level && at == r {
			continue
		}
		if bad++; bad <= 5 {
			atID := "none"
			if at != nil {
				atID = at.ID
			}
			t.Errorf("position %d (ts %d) on %s at (%.2f, %.2f) reports room %q but lies in %s", i, p.TS, p.Level, p.X, p.Y, p.Room, atID)
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d positions outside the room they report", bad, len(ps))
	}
}

package sim

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/location"
)

func clinic(t *testing.T) (*floorplans.Plan, *Scripted) {
	t.Helper()
	plan, err := floorplans.LoadFile("../../floorplans/testdata/synthetic-clinic.geojson")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := NewScripted(plan)
	if err != nil {
		t.Fatal(err)
	}
	return plan, sc
}

// rooms returns the rooms of steps, each run of one room once ("" for
// walls and doors left out).
func rooms(steps []Step) []string {
	var out []string
	for _, s := range steps {
		if s.Room != "" && (len(out) == 0 || out[len(out)-1] != s.Room) {
			out = append(out, s.Room)
		}
	}
	return out
}

// TestWalk checks walks through the clinic's corridor:
//
//	+-----+-----+-----+-----+-----+-----+
//	| S00 | S01 | S02 | S03 | S04 | S05 |
//	+-- --+-- --+-- --+-----+-----+-- --+
//	|   COR: every room opens on it     |
func TestWalk(t *testing.T) {
	plan, sc := clinic(t)
	tests := []struct {
		from, to string
		want     []string
	}{
		{"L0-S02", "L0-S05", []string{"L0-S02", "L0-COR", "L0-S05"}},
		{"L0-S00", "L0-S01", []string{"L0-S00", "L0-COR", "L0-S01"}},
		{"L0-S03", "L0-N03", []string{"L0-S03", "L0-COR", "L0-N03"}},
		{"L0-S03", "L0-COR", []string{"L0-S03", "L0-COR"}},
	}
	for _, tc := range tests {
		t.Run(tc.from+"->"+tc.to, func(t *testing.T) {
			steps, err := sc.Walk(tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			if got := rooms(steps); !slices.Equal(got, tc.want) {
				t.Fatalf("rooms %v, want %v", got, tc.want)
			}
			from, _ := plan.Room(tc.from)
			prev := from.Centroid
			for i, s := range steps {
				if d := planar.Distance(prev, s.Point); d > WalkSpeed+1e-9 {
					t.Fatalf("step %d moves %.2f m in a second", i, d)
				}
				prev = s.Point
			}
			to, _ := plan.Room(tc.to)
			if last := steps[len(steps)-1]; last.Point != to.Centroid || last.Room != tc.to {
				t.Fatalf("walk ends at %v in %q, want the centre of %s", last.Point, last.Room, tc.to)
			}
		})
	}
}

func TestWalkErrors(t *testing.T) {
	_, sc := clinic(t)
	for _, tc := range []struct{ from, to string }{{"NOPE", "L0-S01"}, {"L0-S01", "NOPE"}} {
		if _, err := sc.Walk(tc.from, tc.to); !errors.Is(err, ErrUnknownRoom) {
			t.Errorf("Walk(%s, %s): %v, want ErrUnknownRoom", tc.from, tc.to, err)
		}
	}
	if _, err := sc.Stay("NOPE", 3); !errors.Is(err, ErrUnknownRoom) {
		t.Errorf("Stay(NOPE): %v, want ErrUnknownRoom", err)
	}
}

func TestStay(t *testing.T) {
	_, sc := clinic(t)
	steps, err := sc.Stay("L0-S03", 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 4 || rooms(steps)[0] != "L0-S03" || len(rooms(steps)) != 1 {
		t.Fatalf("Stay: %d steps in %v, want 4 in L0-S03", len(steps), rooms(steps))
	}
}

func TestSample(t *testing.T) {
	tests := []struct {
		name  string
		pts   []orb.Point
		speed float64
		want  []orb.Point
	}{
		{"exact", []orb.Point{{0, 0}, {3, 0}}, 1, []orb.Point{{1, 0}, {2, 0}, {3, 0}}},
		{"end between samples", []orb.Point{{0, 0}, {2.5, 0}}, 1, []orb.Point{{1, 0}, {2, 0}, {2.5, 0}}},
		{"across a corner", []orb.Point{{0, 0}, {1.5, 0}, {1.5, 1.5}}, 1, []orb.Point{{1, 0}, {1.5, 0.5}, {1.5, 1.5}}},
		{"repeated point", []orb.Point{{0, 0}, {0, 0}, {2, 0}}, 1, []orb.Point{{1, 0}, {2, 0}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := sample(tc.pts, tc.speed)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if math.Abs(got[i][0]-tc.want[i][0]) > 1e-9 || math.Abs(got[i][1]-tc.want[i][1]) > 1e-9 {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// TestScriptedBatches: one batch per reader per second, split above
// scriptedBatchMax, numbered per reader across calls.
func TestScriptedBatches(t *testing.T) {
	_, sc := clinic(t)
	s03, err := sc.Stay("L0-S03", 1)
	if err != nil {
		t.Fatal(err)
	}
	var placed []Placed
	for i := range scriptedBatchMax + 1 {
		placed = append(placed, Placed{Tag: fmt.Sprint("T", i), Step: s03[0]})
	}
	perReader := map[string]int{}
	for _, b := range sc.Batches(1000, placed) {
		perReader[b.Reader] += len(b.Sightings)
		if len(b.Sightings) > scriptedBatchMax {
			t.Fatalf("batch of %d sightings", len(b.Sightings))
		}
		for _, s := range b.Sightings {
			if s.TS != 1000 {
				t.Fatalf("stamp %d, want 1000", s.TS)
			}
		}
	}
	if perReader["R-L0-S03"] != scriptedBatchMax+1 {
		t.Fatalf("R-L0-S03 sent %d sightings, want %d", perReader["R-L0-S03"], scriptedBatchMax+1)
	}
	for _, b := range sc.Batches(2000, placed[:1]) {
		if b.Reader == "R-L0-S03" && (b.Seq != 3 || len(b.Sightings) != 1) {
			t.Fatalf("R-L0-S03's next batch: seq %d of %d sightings, want seq 3 (after two batches) of 1", b.Seq, len(b.Sightings))
		}
	}
}

// TestScriptedSightings checks the noise-free radio: a tag under a reader
// hears it at the path loss of the height between them, readers behind a
// wall lose WallLossDB, the same twice over, and nothing is heard below
// the threshold or by a reader of another level beyond range.
func TestScriptedSightings(t *testing.T) {
	plan, sc := clinic(t)
	cfg := DefaultConfig(0)
	tests := []struct {
		name      string
		at        orb.Point
		strongest string
		rssi      float64
	}{
		// under the reader, 1.5 m below it: -59 - 20 log10(1.5) = -62.5
		{"room centre", orb.Point{19.25, 4}, "R-L0-S03", -63},
		{"corridor", orb.Point{22, 9.4}, "R-L0-C1", -63},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			step := sc.at("L0", tc.at)
			got := sc.sightings(1000, []Placed{{Tag: "T", Step: step}})
			if len(got) < 3 {
				t.Fatalf("heard by %d readers, want several", len(got))
			}
			var ranging []location.Sighting
			for _, s := range got {
				if s.TS != 1000 || s.Tag != "T" || s.RSSI < cfg.RxThresholdDBm {
					t.Fatalf("sighting %+v", s)
				}
				if rd, _ := plan.Reader(s.Reader); rd.Kind.Ranging() {
					ranging = append(ranging, s)
				}
			}
			best := slices.MaxFunc(ranging, func(a, b location.Sighting) int { return int(a.RSSI - b.RSSI) })
			if best.Reader != tc.strongest || best.RSSI != tc.rssi {
				t.Fatalf("strongest %+v, want %s at %v", best, tc.strongest, tc.rssi)
			}
			if again := sc.sightings(1000, []Placed{{Tag: "T", Step: step}}); !slices.Equal(again, got) {
				t.Fatalf("heard differently twice: %v, then %v", got, again)
			}
		})
	}
	// S02's and S04's readers are as far from the centre of S03, each
	// behind one wall.
	var s02, s04 float64
	for _, s := range sc.sightings(0, []Placed{{Tag: "T", Step: sc.at("L0", orb.Point{19.25, 4})}}) {
		switch s.Reader {
		case "R-L0-S02":
			s02 = s.RSSI
		case "R-L0-S04":
			s04 = s.RSSI
		}
	}
	if s02 == 0 || s02 != s04 || s02 > -63-scriptedWallLossDB {
		t.Fatalf("neighbours through a wall: S02 %v, S04 %v", s02, s04)
	}
	if got := sc.sightings(0, []Placed{{Tag: "T", Step: Step{Level: "NOPE"}}}); len(got) != 0 {
		t.Fatalf("a tag on no level is heard: %v", got)
	}
}

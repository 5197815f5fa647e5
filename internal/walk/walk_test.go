package walk

import (
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/hospitalrtls/rtls/floorplans"
)

func clinic(t *testing.T) *floorplans.Plan {
	t.Helper()
	plan, err := floorplans.LoadFile("../../floorplans/testdata/synthetic-clinic.geojson")
	if err != nil {
		t.Fatal(err)
	}
	return plan
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
	plan := clinic(t)
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
			steps, err := Walk(plan, tc.from, tc.to, DefaultSpeed)
			if err != nil {
				t.Fatal(err)
			}
			if got := rooms(steps); !equal(got, tc.want) {
				t.Fatalf("rooms %v, want %v", got, tc.want)
			}
			from, _ := plan.Room(tc.from)
			prev := from.Centroid
			for i, s := range steps {
				if d := planar.Distance(prev, s.Point); d > DefaultSpeed+1e-9 {
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
	plan := clinic(t)
	for _, tc := range []struct{ from, to string }{{"NOPE", "L0-S01"}, {"L0-S01", "NOPE"}} {
		if _, err := Walk(plan, tc.from, tc.to, DefaultSpeed); !errors.Is(err, ErrUnknownRoom) {
			t.Errorf("Walk(%s, %s): %v, want ErrUnknownRoom", tc.from, tc.to, err)
		}
	}
	if _, err := Stay(plan, "NOPE", 3); !errors.Is(err, ErrUnknownRoom) {
		t.Errorf("Stay(NOPE): %v, want ErrUnknownRoom", err)
	}
}

func TestStay(t *testing.T) {
	plan := clinic(t)
	steps, err := Stay(plan, "L0-S03", 4)
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

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

package location_test

import (
	"cmp"
	"math"
	"slices"
	"testing"

	"github.com/hospitalrtls/rtls/location"
)

// TestExplainConsistent replays two minutes of the synthetic clinic and
// checks every tracked tag's explanation against the engine's own output:
// it explains the last position emitted, the room it reports is the most
// likely room whenever the engine gives it more than half the mass, the
// beliefs are probabilities, and for well-placed tags the model's expected
// RSSI lies within a few dB of what the readers heard.
func TestExplainConsistent(t *testing.T) {
	plan := datasetPlan(t, "synthetic-clinic")
	eng := newEngine(t, plan, location.Defaults())
	out := replay(eng, prefixUntil(datasetSightings(t, "synthetic-clinic"), 120_000))
	last := map[string]location.Position{}
	for _, p := range out {
		last[p.Tag] = p
	}
	if len(last) == 0 {
		t.Fatal("no positions")
	}
	var residuals []float64
	for tag, p := range last {
		x, ok := eng.Explain(tag)
		if !ok {
			t.Fatalf("a tracked tag has no explanation")
		}
		if x.Position != p {
			t.Fatalf("explains %+v, want the last position %+v", x.Position, p)
		}
		if len(x.Rooms) == 0 || len(x.Rooms) > location.MaxExplainedRooms || len(x.Levels) == 0 {
			t.Fatalf("%d rooms, %d levels", len(x.Rooms), len(x.Levels))
		}
		if p.RoomProb > 0.5 && x.Rooms[0].ID != p.Room {
			t.Errorf("reported room %s with probability %.2f, but the most likely room is %s (%.2f)", p.Room, p.RoomProb, x.Rooms[0].ID, x.Rooms[0].Prob)
		}
		checkBeliefs(t, "rooms", x.Rooms)
		checkBeliefs(t, "levels", x.Levels)
		if math.Abs(sum(x.Levels)-1) > 1e-6 {
			t.Errorf("level probabilities sum to %v, want 1", sum(x.Levels))
		}
		if !slices.IsSortedFunc(x.Readers, func(a, b location.ReaderEvidence) int { return cmp.Compare(b.RSSI, a.RSSI) }) {
			t.Errorf("readers not strongest first: %+v", x.Readers)
		}
		for _, r := range x.Readers {
			if r.DistanceM <= 0 || r.Walls < 0 || slices.Contains(x.Silent, r.Reader) {
				t.Errorf("reader evidence %+v (silent %v)", r, x.Silent)
			}
			if p.RoomProb > 0.9 {
				residuals = append(residuals, math.Abs(r.RSSI-r.ExpectedRSSI))
			}
		}
	}
	if len(residuals) < 20 {
		t.Fatalf("only %d readings of well-placed tags", len(residuals))
	}
	slices.Sort(residuals)
	median := residuals[len(residuals)/2]
	t.Logf("%d tags, %d readings of well-placed tags: |observed - expected| median %.1f dB, p90 %.1f dB",
		len(last), len(residuals), median, residuals[len(residuals)*9/10])
	if median > 4 { // sigma of one reading is 6 dB; a mean over an epoch is tighter
		t.Errorf("median |observed - expected| %.1f dB, want at most 4", median)
	}
	if _, ok := eng.Explain("NOT-A-TAG"); ok {
		t.Error("an untracked tag has an explanation")
	}
}

func sum(bs []location.Belief) float64 {
	s := 0.0
	for _, b := range bs {
		s += b.Prob
	}
	return s
}

func checkBeliefs(t *testing.T, what string, bs []location.Belief) {
	t.Helper()
	for i, b := range bs {
		if !(b.Prob > 0 && b.Prob <= 1) || (i > 0 && b.Prob > bs[i-1].Prob) {
			t.Errorf("%s: %+v not probabilities, most likely first", what, bs)
			return
		}
	}
	if s := sum(bs); s > 1+1e-9 {
		t.Errorf("%s: probabilities sum to %v", what, s)
	}
}

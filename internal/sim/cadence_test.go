package sim

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/location/jsonl"
)

// TestAssetBeaconCadence follows the pumps for an hour with a quiet
// radio (every beacon heard): between two beacons a pump that stood still
// the whole time waited exactly 5 s, one that walked the whole time 1 s,
// and no gap is longer than 5 s.
func TestAssetBeaconCadence(t *testing.T) {
	singleGoroutine(t)
	s, err := New(demoPlan(t), demoTags(), quietConfig(9))
	if err != nil {
		t.Fatal(err)
	}
	const stepMS = 100
	beacons := map[string][]int64{}                // tag: beacon times, epoch ms
	track := map[string]map[int64]jsonl.TruthRow{} // tag: ms: truth
	for range 36000 {
		s.Step(stepMS * time.Millisecond)
		for _, x := range s.Sightings() {
			if b := beacons[x.Tag]; len(b) == 0 || b[len(b)-1] != x.TS {
				beacons[x.Tag] = append(b, x.TS)
			}
		}
		for _, r := range s.Truth() {
			if strings.HasPrefix(r.Tag, "PUMP-") {
				if track[r.Tag] == nil {
					track[r.Tag] = map[int64]jsonl.TruthRow{}
				}
				track[r.Tag][r.TS] = r
			}
		}
	}
	var stillN, movingN int
	for tag, times := range beacons {
		if !strings.HasPrefix(tag, "PUMP-") {
			continue
		}
		slices.Sort(times)
		times = slices.Compact(times)
		for i := 1; i < len(times); i++ {
			gap := times[i] - times[i-1]
			if gap > 5000 {
				t.Fatalf("%s: %d ms without a beacon", tag, gap)
			}
			switch motion(track[tag], times[i-1], times[i], stepMS) {
			case allStill:
				stillN++
				if gap != 5000 {
					t.Fatalf("%s still: beacon gap %d ms, want 5000", tag, gap)
				}
			case allMoving:
				movingN++
				if gap != 1000 {
					t.Fatalf("%s moving: beacon gap %d ms, want 1000", tag, gap)
				}
			}
		}
	}
	t.Logf("gaps while still %d, while moving %d", stillN, movingN)
	if stillN == 0 || movingN == 0 {
		t.Errorf("gaps while still %d, while moving %d: expected both", stillN, movingN)
	}
}

type motionKind int

const (
	mixed motionKind = iota
	allStill
	allMoving
)

// motion says whether the tag, sampled every step ms from a step before
// `from` to a step after `to`, stood still or moved at every sample. Rides
// (no move, but in an elevator or on stairs) count as mixed.
func motion(track map[int64]jsonl.TruthRow, from, to, step int64) motionKind {
	first := from - from%step - step
	moved, stood := false, false
	for t := first; t < to+step; t += step {
		a, okA := track[t]
		b, okB := track[t+step]
		if !okA || !okB || strings.Contains(a.Room, "ELEV") || strings.Contains(a.Room, "STAIRS") {
			return mixed
		}
		if still(a, b) {
			stood = true
		} else {
			moved = true
		}
	}
	switch {
	case stood && !moved:
		return allStill
	case moved && !stood:
		return allMoving
	}
	return mixed
}

//go:build !race

// The accuracy guard replays the data sets of testdata/datasets through the
// engine as `rtlsctl replay` does and scores the positions as
// tools/rtls-score does. It is too slow under the race detector; `make
// test` runs it separately.

package location_test

import (
	"math"
	"testing"

	"github.com/hospitalrtls/rtls/internal/score"
	"github.com/hospitalrtls/rtls/location"
)

// floors are the worst results the guard accepts: a few percent below
// what the engine reached when they were set (measured values in comments).
type floors struct {
	coverage       float64 // at least
	medianM, p90M  float64 // at most
	roomAccuracy   float64 // at least (0: not measured)
	roomChangesMax float64 // at most this times the truth's room changes (0: not measured)
	withinMin      float64 // at least this share of true positions within accuracy_m (it claims 0.68)
}

func TestAccuracy(t *testing.T) {
	cases := []struct {
		dataset string
		floors  floors
	}{
		// measured: coverage 0.999, median 1.30 m, p90 2.90 m, room 0.975, 42.2 room changes/tag-h (truth 33.6), within 0.804
		{"synthetic-clinic", floors{coverage: 0.99, medianM: 1.38, p90M: 3.05, roomAccuracy: 0.96, roomChangesMax: 1.5, withinMin: 0.6}},
		// measured (seed 1; seeds 1-6: 1.81-1.89 m / 3.67-3.80 m): coverage 1.000, median 1.81 m, p90 3.77 m, within 0.745 (no rooms)
		{"danis-tetam", floors{coverage: 0.99, medianM: 1.95, p90M: 3.95, withinMin: 0.6}},
	}
	for _, c := range cases {
		t.Run(c.dataset, func(t *testing.T) {
			plan := datasetPlan(t, c.dataset)
			sightings := datasetSightings(t, c.dataset)
			truth := datasetTruth(t, c.dataset)
			eng := newEngine(t, plan, location.Defaults())
			positions := replay(eng, sightings)
			got := score.Score(plan, truth, positions)
			base := score.Baseline(plan, sightings, truth)
			t.Logf("%s", got.Line("engine"))
			t.Logf("%s", base.Line("baseline_centroid"))
			t.Logf("engine stats: %+v", eng.Stats())
			checkFloors(t, got, c.floors)
			if !(got.MedianM < base.MedianM && got.P90M < base.P90M) {
				t.Errorf("engine median %.2f m / p90 %.2f m does not beat the baseline's %.2f m / %.2f m",
					got.MedianM, got.P90M, base.MedianM, base.P90M)
			}
			if c.dataset == "synthetic-clinic" {
				checkInRooms(t, plan, positions)
			}
		})
	}
}

func checkFloors(t *testing.T, got score.Result, f floors) {
	t.Helper()
	if !(got.Coverage >= f.coverage) {
		t.Errorf("coverage %.3f, want >= %.3f", got.Coverage, f.coverage)
	}
	if !(got.MedianM <= f.medianM) {
		t.Errorf("median %.2f m, want <= %.2f m", got.MedianM, f.medianM)
	}
	if !(got.P90M <= f.p90M) {
		t.Errorf("p90 %.2f m, want <= %.2f m", got.P90M, f.p90M)
	}
	if f.roomAccuracy > 0 && !(got.RoomAccuracy >= f.roomAccuracy) {
		t.Errorf("room accuracy %.3f, want >= %.3f", got.RoomAccuracy, f.roomAccuracy)
	}
	if limit := f.roomChangesMax * got.TrueRoomChangesPerTagHour; f.roomChangesMax > 0 && !(got.RoomChangesPerTagHour <= limit) {
		t.Errorf("%.1f room changes per tag-hour, want <= %.1f (%.1fx the truth's %.1f)",
			got.RoomChangesPerTagHour, limit, f.roomChangesMax, got.TrueRoomChangesPerTagHour)
	}
	if math.IsNaN(got.WithinAccuracy) {
		t.Error("no position carried an accuracy radius")
	} else if got.WithinAccuracy < f.withinMin {
		t.Errorf("%.3f of true positions within accuracy_m, want >= %.2f (the radius claims 0.68)", got.WithinAccuracy, f.withinMin)
	}
}

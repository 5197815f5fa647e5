package location_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/location"
)

// TestReadersHearingEachOther calibrates a reader from what it hears of
// the other readers of its level, whose places are known: one receiver
// reads 6 dB hot, the others are nominal. The open-plan lab has no walls,
// so the radio here is the plain path-loss model.
func TestReadersHearingEachOther(t *testing.T) {
	plan := datasetPlan(t, "danis-tetam")
	var rx *floorplans.Reader
	var txs []*floorplans.Reader
	for _, r := range plan.Readers {
		if r.Kind != floorplans.KindBLE {
			continue
		}
		if rx == nil {
			rx = r
		} else if r.Level == rx.Level && len(txs) < 6 {
			txs = append(txs, r)
		}
	}
	if rx == nil || len(txs) < 3 {
		t.Fatal("demo plan has too few BLE readers on one level")
	}
	const hotDB = 6.0
	sightings := func() []location.Sighting {
		rng := rand.New(rand.NewPCG(3, 4))
		var ss []location.Sighting
		for s := int64(0); s < 120; s++ {
			for _, tx := range txs {
				d := math.Max(0.3, math.Hypot(tx.Point[0]-rx.Point[0], tx.Point[1]-rx.Point[1]))
				dz := tx.HeightM - rx.HeightM
				d = math.Max(0.3, math.Sqrt(d*d+dz*dz))
				rssi := rx.RSSIAt1m + hotDB - 10*rx.PathLossExponent*math.Log10(d) + 2*rng.NormFloat64()
				ss = append(ss, location.Sighting{TS: t0 + s*1000, Reader: rx.ID, Tag: tx.ID, RSSI: math.Round(rssi)})
			}
		}
		return ss
	}()
	for _, c := range []struct {
		name      string
		calibrate bool
		want      float64
	}{
		{"learning on", true, hotDB},
		{"learning off", false, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := location.Defaults()
			cfg.Calibrate = c.calibrate
			eng := newEngine(t, plan, cfg)
			if ps := replay(eng, sightings); len(ps) != 0 {
				t.Fatalf("%d positions for readers heard by a reader, want none", len(ps))
			}
			if got := eng.Stats().ReaderSightings; got != uint64(len(sightings)) {
				t.Errorf("ReaderSightings = %d, want %d", got, len(sightings))
			}
			if got := eng.Calibration()[rx.ID]; math.Abs(got-c.want) > 1 {
				t.Errorf("offset of %s = %.2f dB, want %.1f ± 1", rx.ID, got, c.want)
			}
			for _, tx := range txs {
				if got := eng.Calibration()[tx.ID]; got != 0 {
					t.Errorf("transmitting reader %s learned %.2f dB, want 0", tx.ID, got)
				}
			}
		})
	}
}

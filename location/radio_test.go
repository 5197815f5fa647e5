package location

import (
	"math"
	"math/rand/v2"
	"testing"
)

// radioTruth draws observations of a building with the given exponent
// change, losses through 1..3 walls and per-reading σ, at distances of
// 1.5-20 m through 0-3 walls.
func radioTruth(rng *rand.Rand, dn float64, loss [4]float64, sigma float64) radioObs {
	d := 1.5 + rng.Float64()*18.5
	walls := rng.IntN(4)
	pw := make([]float64, 4)
	pw[walls] = 1
	u := -10 * (math.Log10(d) - radioLogD0)
	return radioObs{y: -10*dn*math.Log10(d) - loss[walls] + rng.NormFloat64()*sigma, u: u, pw: pw, w: 1}
}

// TestRadioLearnerConverges feeds the learner readings of a building whose
// radio differs from the prior (4 dB per wall, σ 6, nominal exponent) and
// checks that the learned model finds it.
func TestRadioLearnerConverges(t *testing.T) {
	for _, c := range []struct {
		dn    float64
		loss  [4]float64
		sigma float64
	}{
		{0.6, [4]float64{0, 10, 18, 24}, 5},
		{-0.3, [4]float64{0, 2, 4, 5}, 8},
	} {
		l := newRadioLearner(3, 4, 6, 0.3, true)
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range 20_000 {
			l.observe(int64(i)*50, radioTruth(rng, c.dn, c.loss, c.sigma))
		}
		r := l.latest()
		if math.Abs(r.ExponentDelta-c.dn) > 0.05 {
			t.Errorf("exponent change %.2f, want %.2f", r.ExponentDelta, c.dn)
		}
		for k := 1; k < 4; k++ {
			if math.Abs(r.WallLossDB[k]-c.loss[k]) > 1 {
				t.Errorf("loss through %d walls %.1f dB, want %.1f", k, r.WallLossDB[k], c.loss[k])
			}
		}
		if math.Abs(r.SigmaDB-c.sigma) > 0.3 {
			t.Errorf("σ %.2f dB, want %.2f", r.SigmaDB, c.sigma)
		}
	}
}

// TestRadioLearnerCausal checks that the model for an epoch at t is the
// prior until a bucket has ended, and does not depend on the order in
// which observations arrive nor on observations after t.
func TestRadioLearnerCausal(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	type timed struct {
		t int64
		o radioObs
	}
	var obs []timed
	for i := range 3000 {
		obs = append(obs, timed{int64(i) * 100, radioTruth(rng, 0.4, [4]float64{0, 8, 14, 18}, 6)})
	}
	inOrder := newRadioLearner(3, 4, 6, 0.3, false)
	for _, o := range obs {
		inOrder.observe(o.t, o.o)
	}
	if got := inOrder.at(radioBucketMS - 1); got.WallLossDB[1] != 4 || got.SigmaDB != 6 {
		t.Errorf("before the first bucket ended: %+v, want the prior", got)
	}
	reversed := newRadioLearner(3, 4, 6, 0.3, false)
	for i := len(obs) - 1; i >= 0; i-- {
		reversed.observe(obs[i].t, obs[i].o)
	}
	cut := newRadioLearner(3, 4, 6, 0.3, false)
	const at = 150_000
	for _, o := range obs {
		if o.t < at {
			cut.observe(o.t, o.o)
		}
	}
	a, b, c := inOrder.at(at), reversed.at(at), cut.at(at)
	for k := range a.WallLossDB {
		if math.Abs(a.WallLossDB[k]-b.WallLossDB[k]) > 1e-9 || math.Abs(a.WallLossDB[k]-c.WallLossDB[k]) > 1e-9 {
			t.Errorf("loss through %d walls at %d ms: in order %.6f, reversed %.6f, without later observations %.6f",
				k, at, a.WallLossDB[k], b.WallLossDB[k], c.WallLossDB[k])
		}
	}
	if a.dn != 0 {
		t.Errorf("exponent change used %.2f without LearnExponent, want 0", a.dn)
	}
}

// TestRadioLearnerMissProb checks the moment estimate of the miss
// probability: readers silent 20% of the time where the model gives a 10%
// chance of falling below the sensitivity miss 1-(0.9·0.8)=28%, of which
// the learner must attribute 20% to misses.
func TestRadioLearnerMissProb(t *testing.T) {
	l := newRadioLearner(3, 4, 6, 0.3, false)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 50_000 {
		silent := rng.Float64() < 0.1 || rng.Float64() < 0.2
		l.observeSilence(int64(i)*10, silent, 0.1)
	}
	if got := l.latest().MissProb; math.Abs(got-0.2) > 0.01 {
		t.Errorf("miss probability %.3f, want 0.2", got)
	}
}

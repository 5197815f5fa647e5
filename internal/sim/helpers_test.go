package sim

import (
	"testing"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/demo"
)

// demoPlan parses the demo ward.
func demoPlan(t testing.TB) *floorplans.Plan {
	t.Helper()
	plan, err := floorplans.Parse(demo.Floorplan(), demo.SiteID)
	if err != nil {
		t.Fatalf("parse demo ward: %v", err)
	}
	return plan
}

// demoTags converts the demo scenario.
func demoTags() []TagSpec {
	var out []TagSpec
	for _, t := range demo.Tags() {
		out = append(out, TagSpec{ID: t.ID, Class: Class(t.Class)})
	}
	return out
}

// quietConfig has no randomness in the radio or delivery: every packet in
// range is heard, at once, by every reader, with exact clocks.
func quietConfig(seed uint64) Config {
	c := DefaultConfig(seed)
	c.NoiseSigmaDB, c.ShadowSigmaDB, c.CalibSigmaDB, c.ExponentSigma, c.TxSigmaDB = 0, 0, 0, 0, 0
	c.PacketLoss, c.RxThresholdDBm = 0, -200
	c.ReaderFailureFraction, c.ClockSkewSigma = 0, 0
	c.NetDelayMax, c.LateFraction, c.DupFraction = 0, 0, 0
	return c
}

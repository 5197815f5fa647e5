package sim

import (
	"errors"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"math/rand/v2"
	"strings"
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
	c := noiseFree(DefaultConfig(seed))
	c.RxThresholdDBm = -200
	return c
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func polygonContains(poly orb.Polygon, p orb.Point) bool { return planar.PolygonContains(poly, p) }

func containsStr(s, sub string) bool { return strings.Contains(s, sub) }

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0)) }

// singleGoroutine skips a long simulation under the race detector: it runs
// on one goroutine, so the detector has nothing to find and only makes it
// many times slower. `make test` runs this package a second time without
// -race, where these tests run.
func singleGoroutine(t *testing.T) {
	t.Helper()
	if raceDetector {
		t.Skip("single-goroutine simulation: run without -race")
	}
}

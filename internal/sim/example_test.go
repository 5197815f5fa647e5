package sim_test

import (
	"fmt"
	"time"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/demo"
	"github.com/hospitalrtls/rtls/internal/sim"
)

// Simulate the demo ward for a minute and look at what the readers heard
// and where the tags really are.
func ExampleSim() {
	plan, err := floorplans.Parse(demo.Floorplan(), demo.SiteID)
	if err != nil {
		panic(err)
	}
	tags := sim.Generate(nil, 3) // STAFF-001, PUMP-001, PAT-001
	s, err := sim.New(plan, tags, sim.DefaultConfig(42))
	if err != nil {
		panic(err)
	}
	heard := 0
	for range 60 {
		s.Step(time.Second)
		heard += len(s.Sightings())
	}
	fmt.Println("heard:", heard > 0)
	for _, r := range s.Truth() {
		fmt.Println(r.Tag, r.TS-sim.DefaultStart.UnixMilli())
	}
	// Output:
	// heard: true
	// STAFF-001 60000
	// PUMP-001 60000
	// PAT-001 60000
}

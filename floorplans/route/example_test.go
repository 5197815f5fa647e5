package route_test

import (
	"fmt"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/floorplans/route"
	"github.com/hospitalrtls/rtls/internal/demo"
	"github.com/paulmach/orb"
)

// A nurse at the ground-floor station of the demo ward ranks three pumps
// by walking distance: the one upstairs is 11 m away on the plan and
// 111 m on foot, by the corridor, the stairs and the corridor above.
func Example() {
	plan, err := floorplans.Parse(demo.Floorplan(), "ward.geojson")
	if err != nil {
		panic(err)
	}
	r, err := route.New(plan, route.Options{})
	if err != nil {
		panic(err)
	}
	f, err := r.From(route.Place{Room: "L0-NS", Point: orb.Point{4, 15}, HasPoint: true})
	if err != nil {
		panic(err)
	}
	pumps := []route.Candidate{
		{ID: "PUMP-1", Place: route.Place{Room: "L0-P01", Point: orb.Point{19, 3}, HasPoint: true}},
		{ID: "PUMP-2", Place: route.Place{Room: "L1-CLEAN", Point: orb.Point{15, 15}, HasPoint: true}},
		{ID: "PUMP-3", Place: route.Place{Room: "L0-STOR", Point: orb.Point{9, 19}, HasPoint: true}},
	}
	for _, h := range f.Nearest(pumps, 3) {
		fmt.Printf("%s %.1f m %v\n", h.ID, h.Meters, h.Rooms)
	}
	// Output:
	// PUMP-3 18.6 m [L0-NS L0-COR L0-STOR]
	// PUMP-1 24.8 m [L0-NS L0-COR L0-P01]
	// PUMP-2 110.8 m [L0-NS L0-COR L0-STAIRS L1-STAIRS L1-COR L1-CLEAN]
}

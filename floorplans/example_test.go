package floorplans_test

import (
	"fmt"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/paulmach/orb"
)

func ExamplePlan_RoomAt() {
	// Two rooms with a 0.2 m wall between them:
	//
	//	4 +-------+ +-------+
	//	  |  101  | |  102  |
	//	0 +-------+ +-------+
	//	  0       4 4.2     8.2
	plan, err := floorplans.Parse([]byte(`{"type":"FeatureCollection","features":[
	 {"type":"Feature","properties":{"type":"level","id":"L0","name":"Ground","ordinal":0},
	  "geometry":{"type":"Polygon","coordinates":[[[0,0],[8.2,0],[8.2,4],[0,4],[0,0]]]}},
	 {"type":"Feature","properties":{"type":"room","id":"101","name":"Room 101","level":"L0","category":"patient_room"},
	  "geometry":{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,4],[0,0]]]}},
	 {"type":"Feature","properties":{"type":"room","id":"102","name":"Room 102","level":"L0","category":"patient_room"},
	  "geometry":{"type":"Polygon","coordinates":[[[4.2,0],[8.2,0],[8.2,4],[4.2,4],[4.2,0]]]}}
	]}`), "example.geojson")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range []orb.Point{{1, 2}, {6, 2}, {4.1, 2}} {
		if r := plan.RoomAt("L0", p); r != nil {
			fmt.Printf("%v: %s (%.0f m²)\n", p, r.Name, r.AreaM2)
		} else {
			fmt.Printf("%v: no room\n", p)
		}
	}
	// Output:
	// [1 2]: Room 101 (16 m²)
	// [6 2]: Room 102 (16 m²)
	// [4.1 2]: no room
}

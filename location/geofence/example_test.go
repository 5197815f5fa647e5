package geofence_test

import (
	"fmt"
	"time"

	"github.com/paulmach/orb"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
)

// Example walks a patient from a room into an exit and shows the events: the
// default ENTER and EXIT of rooms stay on because no ENTER or EXIT rule is
// configured, and a RESTRICTED rule watches exits.
func Example() {
	box := func(x0, x1 float64) orb.Polygon {
		return orb.Polygon{{{x0, 0}, {x1, 0}, {x1, 4}, {x0, 4}, {x0, 0}}}
	}
	plan, err := floorplans.New(
		[]*floorplans.Level{{ID: "L0", Name: "ground", Outline: box(0, 8)}},
		[]*floorplans.Room{
			{ID: "R1", Name: "room 1", Level: "L0", Category: "patient_room", Polygon: box(0, 3.9)},
			{ID: "X1", Name: "exit 1", Level: "L0", Category: "exit", Polygon: box(4.1, 8)},
		}, nil, nil, nil)
	if err != nil {
		panic(err)
	}
	reg, _ := geofence.NewRegistry([]geofence.Tag{{ID: "PT-1", Class: "patient"}})
	rules := []geofence.Rule{{ID: "no-exit", Type: geofence.RuleRestricted,
		Group: &geofence.Group{Category: "exit"}, TagClass: "patient", Enabled: true}}
	e, err := geofence.New(plan, geofence.Config{Debounce: 2 * time.Second}, rules, reg)
	if err != nil {
		panic(err)
	}
	for s := int64(0); s < 10; s++ {
		p := location.Position{TS: s * 1000, Tag: "PT-1", Level: "L0", X: 2, Y: 2, Room: "R1"}
		if s >= 5 {
			p.X, p.Room = 6, "X1"
		}
		for _, ev := range e.Observe(p) {
			fmt.Println(ev.TS, ev.Type, ev.Zone, ev.Rule, ev.Trigger)
		}
	}
	// Output:
	// 0 ENTER R1  position
	// 5000 EXIT R1  position
	// 5000 ENTER X1  position
	// 5000 RESTRICTED X1 no-exit position
}

package memstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/memstore"
)

func Example() {
	clock := func() time.Time { return time.UnixMilli(1763719201000) }
	s := memstore.New(memstore.Options{Now: clock})
	defer s.Close()
	ctx := context.Background()

	evs, _ := s.Apply(ctx, store.Update{
		Positions: []location.Position{
			{TS: 1763719201000, Tag: "PUMP-008", Level: "L0", Room: "L0-S03", X: 21.4, Y: 4.9},
			{TS: 1763719201000, Tag: "PUMP-009", Level: "L0", Room: "L0-S04", X: 30.1, Y: 4.2},
		},
		Events: []geofence.Event{{Type: geofence.Enter, Tag: "PUMP-008", Zone: "L0-S03", TS: 1763719201000}},
	})
	fmt.Println("event id:", evs[0].ID)

	page, _ := s.ListPositions(ctx, store.Query{Room: "L0-S03"})
	for _, p := range page.Positions {
		fmt.Println("in L0-S03:", p.Tag)
	}

	newer, _ := s.ReadEvents(ctx, "0", 10, 0)
	fmt.Println("events since 0:", len(newer))
	// Output:
	// event id: 1763719201000-0
	// in L0-S03: PUMP-008
	// events since 0: 1
}

package api

import (
	"context"
	"encoding/base64"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/demo"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/cursor"
	"github.com/hospitalrtls/rtls/store/memstore"
)

// TestWithMemstore runs the services over the real embedded store and the
// demo floorplan.
func TestWithMemstore(t *testing.T) {
	plan, err := floorplans.Parse(demo.Floorplan(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	// Stream ids are arrival times: a clock near the events' times keeps
	// them inside ListEvents' slack.
	ms := memstore.New(memstore.Options{Now: func() time.Time { return time.UnixMilli(5000) }})
	t.Cleanup(func() { ms.Close() })
	env := startEnv(t, envConfig{positions: ms, events: ms, plan: PlanLookupOf(plan)})
	ctx := testContext(t)

	positions := []location.Position{
		{TS: 1000, Tag: "PUMP-001", Level: "L0", X: 1, Y: 2, AccuracyM: 1.5, Room: "L0-ICU1", RoomProb: 0.8},
		{TS: 1000, Tag: "STAFF-001", Level: "L0", X: 5, Y: 2, AccuracyM: 2, Room: "L0-COR", RoomProb: 0.7},
		{TS: 1000, Tag: "STAFF-002", Level: "L1", X: 9, Y: 9, AccuracyM: 2},
	}
	first, err := ms.Apply(ctx, store.Update{Positions: positions, Events: fixtureEvents[:4]})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("GetLocation", func(t *testing.T) {
		l, err := env.locations.GetLocation(ctx, &rtlsv1.GetLocationRequest{TagId: "PUMP-001"})
		if err != nil {
			t.Fatal(err)
		}
		if got := locationFromProto(l); got != positions[0] {
			t.Errorf("got %+v, want %+v", got, positions[0])
		}
		_, err = env.locations.GetLocation(ctx, &rtlsv1.GetLocationRequest{TagId: "PUMP-404"})
		wantStatus(t, err, codes.NotFound, "tag_id")
	})

	t.Run("ListLocations", func(t *testing.T) {
		var got []string
		req := &rtlsv1.ListLocationsRequest{LevelId: "L0", PageSize: 1}
		for range 10 {
			resp, err := env.locations.ListLocations(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range resp.Locations {
				got = append(got, l.TagId)
			}
			if req.PageToken = resp.NextPageToken; req.PageToken == "" {
				break
			}
		}
		if want := []string{"PUMP-001", "STAFF-001"}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		_, err := env.locations.ListLocations(ctx, &rtlsv1.ListLocationsRequest{RoomId: "L9-NOWHERE"})
		wantStatus(t, err, codes.InvalidArgument, "room_id")
		forged := []string{
			"forged",
			base64.RawURLEncoding.EncodeToString([]byte("pPUMP-001")), // the id in clear
			cursor.Token(cursor.Tags, "PUMP-001"),                     // of the registry's list
		}
		for _, tok := range forged {
			_, err = env.locations.ListLocations(ctx, &rtlsv1.ListLocationsRequest{PageToken: tok})
			wantStatus(t, err, codes.InvalidArgument, "page_token")
		}
	})

	t.Run("WatchLocations", func(t *testing.T) {
		stream, err := env.locations.WatchLocations(ctx, &rtlsv1.WatchLocationsRequest{RoomId: "L0-ICU1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := stream.Header(); err != nil {
			t.Fatal(err)
		}
		moved := []location.Position{positions[1], positions[0]}
		moved[0].TS, moved[1].TS = 2000, 2000
		moved[1].X = 3
		if _, err := ms.Apply(ctx, store.Update{Positions: moved}); err != nil {
			t.Fatal(err)
		}
		l, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if got := locationFromProto(l); got != moved[1] {
			t.Errorf("got %+v, want %+v", got, moved[1])
		}
	})

	t.Run("WatchEvents resume", func(t *testing.T) {
		sctx, cancel := context.WithCancel(ctx)
		stream, err := env.events.WatchEvents(sctx, &rtlsv1.WatchEventsRequest{AfterId: "0"})
		if err != nil {
			t.Fatal(err)
		}
		got := recvIDs(t, stream, 2)
		cancel()
		stream, err = env.events.WatchEvents(ctx, &rtlsv1.WatchEventsRequest{AfterId: got[1]})
		if err != nil {
			t.Fatal(err)
		}
		more, err := ms.Apply(ctx, store.Update{Events: fixtureEvents[4:]})
		if err != nil {
			t.Fatal(err)
		}
		all := append(slices.Clone(first), more...)
		got = append(got, recvIDs(t, stream, len(all)-2)...)
		if want := ids(all); !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})

	t.Run("ListEvents", func(t *testing.T) {
		resp, err := env.events.ListEvents(ctx, &rtlsv1.ListEventsRequest{
			Filter: &rtlsv1.EventFilter{Types: []rtlsv1.EventType{rtlsv1.EventType_ENTER}},
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []geofence.Event
		for _, e := range resp.Events {
			got = append(got, eventFromProto(e))
		}
		if want := []geofence.Event{first[0], first[2]}; !slices.Equal(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})
}

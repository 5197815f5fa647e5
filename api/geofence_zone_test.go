package api

import (
	"math"
	"regexp"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store/cursor"
)

// clinicRooms is the number of rooms of the synthetic clinic, all on L0.
const clinicRooms = 17

// bay returns a zone of category "bay" in the corridor L0-COR
// (y 8.1..10.7): a 2 m square with its corner at (x, 8.5).
func bay(id string, x float64) *rtlsv1.Zone {
	return &rtlsv1.Zone{Id: id, Name: "bay " + id, LevelId: "L0", Category: "bay", Polygon: square(x, 8.5, 2)}
}

func TestZoneLifecycle(t *testing.T) {
	env := startFenceEnv(t)
	ctx := testContext(t)
	want := bay("bay-1", 2)
	got, err := env.fences.CreateZone(ctx, &rtlsv1.CreateZoneRequest{Zone: want})
	if err != nil || !proto.Equal(got, want) {
		t.Fatalf("CreateZone: got %v, %v; want %v", got, err, want)
	}
	if got, err := env.fences.GetZone(ctx, &rtlsv1.GetZoneRequest{Id: "bay-1"}); err != nil || !proto.Equal(got, want) {
		t.Fatalf("GetZone: got %v, %v; want %v", got, err, want)
	}
	room, err := env.fences.GetZone(ctx, &rtlsv1.GetZoneRequest{Id: "L0-S00"})
	if err != nil || room.Category != "storage" || len(room.Polygon) < 3 {
		t.Fatalf("GetZone(room): got %v, %v; want the storage room", room, err)
	}
	if _, err := env.fences.DeleteZone(ctx, &rtlsv1.DeleteZoneRequest{Id: "bay-1"}); err != nil {
		t.Fatalf("DeleteZone: %v", err)
	}
	_, err = env.fences.GetZone(ctx, &rtlsv1.GetZoneRequest{Id: "bay-1"})
	wantField(t, err, codes.NotFound, "id")
	_, err = env.fences.DeleteZone(ctx, &rtlsv1.DeleteZoneRequest{Id: "bay-1"})
	wantField(t, err, codes.NotFound, "id")
}

func TestCreateZoneGeneratesID(t *testing.T) {
	env := startFenceEnv(t)
	ctx := testContext(t)
	got, err := env.fences.CreateZone(ctx, &rtlsv1.CreateZoneRequest{Zone: bay("", 2)})
	if err != nil || !regexp.MustCompile(`^zone-[0-9a-f]{16}$`).MatchString(got.GetId()) {
		t.Fatalf("got %v, %v; want an id like zone-<16 hex>", got, err)
	}
	if _, err := env.fences.GetZone(ctx, &rtlsv1.GetZoneRequest{Id: got.Id}); err != nil {
		t.Fatal(err)
	}
}

func TestListZones(t *testing.T) {
	env := startFenceEnv(t)
	ctx := testContext(t)
	for i, id := range []string{"bay-1", "bay-2"} {
		if _, err := env.fences.CreateZone(ctx, &rtlsv1.CreateZoneRequest{Zone: bay(id, 2+10*float64(i))}); err != nil {
			t.Fatal(err)
		}
	}
	all := listZoneIDs(t, env, "L0", 5)
	if len(all) != clinicRooms+2 || !slices.IsSorted(all) || len(slices.Compact(slices.Clone(all))) != len(all) ||
		!slices.Contains(all, "bay-2") || !slices.Contains(all, "L0-COR") {
		t.Errorf("got %v; want the %d rooms and 2 bays, sorted, once each", all, clinicRooms)
	}
	if any := listZoneIDs(t, env, "", 0); !slices.Equal(any, all) {
		t.Errorf("any level: got %v, want %v", any, all)
	}
	if none := listZoneIDs(t, env, "L9", 0); len(none) != 0 {
		t.Errorf("unknown level: got %v, want none", none)
	}
	_, err := env.fences.ListZones(ctx, &rtlsv1.ListZonesRequest{PageToken: cursor.Token(cursor.Rules, "a")})
	wantField(t, err, codes.InvalidArgument, "page_token")
	_, err = env.fences.ListZones(ctx, &rtlsv1.ListZonesRequest{PageSize: 5000})
	wantField(t, err, codes.InvalidArgument, "page_size")
}

// listZoneIDs lists every zone of a level, size per page, and checks that
// no page is larger.
func listZoneIDs(t *testing.T, env *fenceEnv, level string, size int32) []string {
	t.Helper()
	var ids []string
	token := ""
	for {
		resp, err := env.fences.ListZones(testContext(t), &rtlsv1.ListZonesRequest{LevelId: level, PageSize: size, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		if size > 0 && len(resp.Zones) > int(size) {
			t.Fatalf("page of %d zones, want at most %d", len(resp.Zones), size)
		}
		for _, z := range resp.Zones {
			ids = append(ids, z.Id)
		}
		if token = resp.NextPageToken; token == "" {
			return ids
		}
	}
}

// zoneWith returns a valid zone changed by f.
func zoneWith(f func(*rtlsv1.Zone)) *rtlsv1.Zone {
	z := bay("z1", 2)
	f(z)
	return z
}

func TestCreateZoneInvalid(t *testing.T) {
	env := startFenceEnv(t)
	ctx := testContext(t)
	if _, err := env.fences.CreateZone(ctx, &rtlsv1.CreateZoneRequest{Zone: bay("taken", 20)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		zone  *rtlsv1.Zone
		code  codes.Code
		field string
	}{
		{"no zone", nil, codes.InvalidArgument, "zone"},
		{"no polygon", zoneWith(func(z *rtlsv1.Zone) { z.Polygon = nil }), codes.InvalidArgument, "zone.polygon"},
		{"two points", zoneWith(func(z *rtlsv1.Zone) { z.Polygon = z.Polygon[:2] }), codes.InvalidArgument, "zone.polygon"},
		{"three points closed", zoneWith(func(z *rtlsv1.Zone) { z.Polygon = append(z.Polygon[:2], z.Polygon[0]) }), codes.InvalidArgument, "zone.polygon"},
		{"points on a line", zoneWith(func(z *rtlsv1.Zone) {
			z.Polygon = []*rtlsv1.Point{{X: 0, Y: 9}, {X: 1, Y: 9}, {X: 2, Y: 9}}
		}), codes.InvalidArgument, "zone.polygon"},
		{"edges cross", zoneWith(func(z *rtlsv1.Zone) { z.Polygon[1], z.Polygon[2] = z.Polygon[2], z.Polygon[1] }), codes.InvalidArgument, "zone.polygon"},
		{"not finite", zoneWith(func(z *rtlsv1.Zone) { z.Polygon[1].X = math.NaN() }), codes.InvalidArgument, "zone.polygon"},
		{"no level", zoneWith(func(z *rtlsv1.Zone) { z.LevelId = "" }), codes.InvalidArgument, "zone.level_id"},
		{"unknown level", zoneWith(func(z *rtlsv1.Zone) { z.LevelId = "L9" }), codes.InvalidArgument, "zone.level_id"},
		{"id with control character", zoneWith(func(z *rtlsv1.Zone) { z.Id = "z\x00" }), codes.InvalidArgument, "zone.id"},
		{"id of a room", zoneWith(func(z *rtlsv1.Zone) { z.Id = "L0-S00" }), codes.AlreadyExists, "zone.id"},
		{"id of a zone", zoneWith(func(z *rtlsv1.Zone) { z.Id = "taken" }), codes.AlreadyExists, "zone.id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.fences.CreateZone(ctx, &rtlsv1.CreateZoneRequest{Zone: tt.zone})
			wantField(t, err, tt.code, tt.field)
		})
	}
	if got := listZoneIDs(t, env, "", 0); len(got) != clinicRooms+1 {
		t.Errorf("refused zones were stored: %v", got)
	}
	if room, _ := env.fences.GetZone(ctx, &rtlsv1.GetZoneRequest{Id: "L0-S00"}); room.GetCategory() != "storage" {
		t.Errorf("a refused create changed the room: %v", room)
	}
}

func TestDeleteZoneRefused(t *testing.T) {
	env := startFenceEnv(t)
	ctx := testContext(t)
	if _, err := env.fences.CreateZone(ctx, &rtlsv1.CreateZoneRequest{Zone: bay("bay-1", 2)}); err != nil {
		t.Fatal(err)
	}
	rule := &rtlsv1.Rule{Id: "watch", EventType: rtlsv1.Rule_ENTER, Target: group("L0-S01", "bay-1"), Enabled: true}
	if _, err := env.fences.CreateRule(ctx, &rtlsv1.CreateRuleRequest{Rule: rule}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"L0-S00", "bay-1"} {
		_, err := env.fences.DeleteZone(ctx, &rtlsv1.DeleteZoneRequest{Id: id})
		wantField(t, err, codes.FailedPrecondition, "id")
	}
	if _, err := env.fences.DeleteRule(ctx, &rtlsv1.DeleteRuleRequest{Id: "watch"}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.fences.DeleteZone(ctx, &rtlsv1.DeleteZoneRequest{Id: "bay-1"}); err != nil {
		t.Errorf("zone no rule names: %v", err)
	}
}

func TestDeleteZoneExitsTagsInside(t *testing.T) {
	env := startFenceEnv(t)
	ctx := testContext(t)
	if _, err := env.fences.CreateZone(ctx, &rtlsv1.CreateZoneRequest{Zone: bay("bay-1", 2)}); err != nil {
		t.Fatal(err)
	}
	env.admin.observe(
		at("PUMP-1", "L0-COR", 3, 9.5, 2_000_000),  // inside bay-1
		at("PUMP-2", "L0-COR", 20, 9.5, 2_000_000), // in the corridor only
	)
	if _, err := env.fences.DeleteZone(ctx, &rtlsv1.DeleteZoneRequest{Id: "bay-1"}); err != nil {
		t.Fatal(err)
	}
	// a filter may not name the deleted zone (it is unknown now): its
	// history is read from the unfiltered stream
	_, err := env.events.ListEvents(ctx, &rtlsv1.ListEventsRequest{Filter: &rtlsv1.EventFilter{ZoneIds: []string{"bay-1"}}})
	wantStatus(t, err, codes.InvalidArgument, "filter.zone_ids[0]")
	resp, err := env.events.ListEvents(ctx, &rtlsv1.ListEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range resp.Events {
		if e.ZoneId == "bay-1" {
			got = append(got, e.Type.String()+" "+e.TagId+" "+e.Trigger)
		}
	}
	// with no ENTER/EXIT rule, the drawn zone has the default events: the
	// removal's EXIT closes the ENTER the tag got
	want := []string{"ENTER PUMP-1 " + geofence.TriggerPosition, "EXIT PUMP-1 " + geofence.TriggerZoneRemoved}
	if !slices.Equal(got, want) {
		t.Errorf("events of bay-1: got %v, want %v", got, want)
	}
}

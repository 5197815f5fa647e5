package api

import (
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/floorplans/route"
	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/internal/testlog"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/memstore"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

// wardPlan is one level of four rooms; walls are 0.2 m thick, doors (d)
// open from each room onto the corridor C only:
//
//	y=10 +---------+---------+---------+
//	     |    A    |    B    |    D    |   A and B: unit 4W; D: unit 4E
//	     |  o   p1 | p2      |         |   o origin, p1 IN_USE pump,
//	     |         |         | p3      |   p2 behind the wall, p3 round
//	y=5  +---d-----+-------d-+-d-------+   the corridor
//	     |              C              |
//	y=0  +-----------------------------+
//	     x=0       10        20        30
func wardPlan(t testing.TB) *floorplans.Plan {
	t.Helper()
	rect := func(x0, y0, x1, y1 float64) orb.Polygon {
		return orb.Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}
	}
	room := func(id, cat, unit string, poly orb.Polygon) *floorplans.Room {
		return &floorplans.Room{ID: id, Name: id, Level: "L4", Category: cat, Unit: unit, Polygon: poly}
	}
	door := func(i int, a string, x0, x1 float64) *floorplans.Door {
		return &floorplans.Door{Index: i, Level: "L4", Line: orb.LineString{{x0, 5}, {x1, 5}}, Connects: [2]string{a, "C"}}
	}
	p, err := floorplans.New(
		[]*floorplans.Level{{ID: "L4", Name: "4", Ordinal: 4, Outline: rect(0, 0, 30, 10)}},
		[]*floorplans.Room{
			room("A", "patient_room", "4W", rect(0.1, 5.1, 9.9, 9.9)),
			room("B", "patient_room", "4W", rect(10.1, 5.1, 19.9, 9.9)),
			room("D", "patient_room", "4E", rect(20.1, 5.1, 29.9, 9.9)),
			room("C", "corridor", "", rect(0.1, 0.1, 29.9, 4.9)),
		},
		[]*floorplans.Door{door(0, "A", 4, 6), door(1, "B", 18, 19), door(2, "D", 21, 22)},
		nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// wardTags is the registry of the ward tests.
var wardTags = []geofence.Tag{
	{ID: "N-1", Class: geofence.ClassStaff, Type: "nurse", Name: "Ada Okafor", Role: "RN"},
	{ID: "N-2", Class: geofence.ClassStaff, Type: "nurse", Name: "Ben Lindqvist", Role: "RN"},
	{ID: "N-3", Class: geofence.ClassStaff, Type: "tech", Name: "Chloe Martin", Role: "tech"},
	{ID: "PAT-1", Class: geofence.ClassPatient, Type: "inpatient"},
	{ID: "P1", Class: geofence.ClassAsset, Type: "infusion_pump", Name: "Pump 1", Status: geofence.StatusInUse, MaintenanceDue: 3000},
	{ID: "P2", Class: geofence.ClassAsset, Type: "infusion_pump", Name: "Pump 2", Status: geofence.StatusAvailable, MaintenanceDue: 1000},
	{ID: "P3", Class: geofence.ClassAsset, Type: "infusion_pump", Name: "Pump 3", Status: geofence.StatusAvailable},
	{ID: "P4", Class: geofence.ClassAsset, Type: "infusion_pump", Name: "Pump 4", Status: geofence.StatusAvailable, MaintenanceDue: 9000},
	{ID: "S1", Class: geofence.ClassAsset, Type: "syringe_pump", Name: "Syringe 1", Status: geofence.StatusAvailable, MaintenanceDue: 2000},
}

// wardPositions places the ward's tags; P4 was never located.
var wardPositions = []location.Position{
	{TS: 5000, Tag: "N-1", Level: "L4", X: 3, Y: 7.5, Room: "A", RoomProb: 0.9},
	{TS: 5000, Tag: "N-2", Level: "L4", X: 25, Y: 7, Room: "D", RoomProb: 0.8},
	{TS: 5000, Tag: "N-3", Level: "L4", X: 4, Y: 8, Room: "A", RoomProb: 0.7},
	{TS: 5000, Tag: "PAT-1", Level: "L4", X: 2, Y: 8, Room: "A", RoomProb: 0.95},
	{TS: 4000, Tag: "P1", Level: "L4", X: 8, Y: 7.5, Room: "A", RoomProb: 0.9},
	{TS: 2000, Tag: "P2", Level: "L4", X: 11, Y: 7.5, Room: "B", RoomProb: 0.85},
	{TS: 3000, Tag: "P3", Level: "L4", X: 21.5, Y: 6, Room: "D", RoomProb: 0.8},
	{TS: 5000, Tag: "S1", Level: "L4", X: 15, Y: 2, Room: "C", RoomProb: 0.6},
}

// wardEnv is a gRPC server with the AssetService and LocationService over
// a store holding the ward.
type wardEnv struct {
	assets    rtlsv1.AssetServiceClient
	locations rtlsv1.LocationServiceClient
	tight     rtlsv1.LocationServiceClient // bounded to two reads a call
	store     store.Store
}

// startWard serves the ward over st, with a clock at now for ListMaintenanceDue.
func startWard(t *testing.T, st store.Store, now time.Time) wardEnv {
	t.Helper()
	plan := wardPlan(t)
	reg, err := geofence.NewRegistry(wardTags)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Apply(testContext(t), store.Update{Positions: wardPositions}); err != nil {
		t.Fatal(err)
	}
	router, err := route.New(plan, route.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewGRPCServer(WithLogger(testlog.Logger()))
	if err != nil {
		t.Fatal(err)
	}
	lookup, tags := PlanLookupOf(plan), registryTags{reg}
	as := NewAssetServer(st, tags, router, lookup, testlog.Logger())
	as.now = func() time.Time { return now }
	srv.Register(&rtlsv1.AssetService_ServiceDesc, as)
	srv.Register(&rtlsv1.LocationService_ServiceDesc, NewLocationServer(st, tags, lookup, testlog.Logger()))
	// A second LocationService reads one tag or position at a time, at
	// most two reads a call: its pages come short.
	tight := NewLocationServer(st, tags, lookup, testlog.Logger())
	tight.maxReads, tight.batch = 2, 1
	tightSrv, err := NewGRPCServer(WithLogger(testlog.Logger()))
	if err != nil {
		t.Fatal(err)
	}
	tightSrv.Register(&rtlsv1.LocationService_ServiceDesc, tight)
	conn := serveLoopback(t, srv)
	return wardEnv{assets: rtlsv1.NewAssetServiceClient(conn), locations: rtlsv1.NewLocationServiceClient(conn),
		tight: rtlsv1.NewLocationServiceClient(serveLoopback(t, tightSrv)), store: st}
}

// wardStores opens each store the ward tests run over: the embedded one
// and Redis (a real redis-server).
func wardStores(t *testing.T) map[string]func(t *testing.T) store.Store {
	return map[string]func(t *testing.T) store.Store{
		"memstore": func(t *testing.T) store.Store {
			ms := memstore.New(memstore.Options{})
			t.Cleanup(func() { ms.Close() })
			return ms
		},
		"redis": func(t *testing.T) store.Store {
			rs := redistest.StartServer(t)
			st, err := redisstore.New(testContext(t), redisstore.Options{URL: rs.URL(), Site: "ward"})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
	}
}

func TestWard(t *testing.T) {
	for name, open := range wardStores(t) {
		t.Run(name, func(t *testing.T) {
			env := startWard(t, open(t), time.UnixMilli(2500))
			t.Run("FindNearest", func(t *testing.T) { testFindNearest(t, env) })
			t.Run("FindNearestErrors", func(t *testing.T) { testFindNearestErrors(t, env) })
			t.Run("ListNotSeen", func(t *testing.T) { testListNotSeen(t, env) })
			t.Run("ListMaintenanceDue", func(t *testing.T) { testListMaintenanceDue(t, env) })
			t.Run("WhoIsInRoom", func(t *testing.T) { testWhoIsInRoom(t, env) })
			t.Run("RolesOnUnit", func(t *testing.T) { testRolesOnUnit(t, env) })
			t.Run("FilteredPaging", func(t *testing.T) { testFilteredPaging(t, env) })
			t.Run("LocationFilterErrors", func(t *testing.T) { testLocationFilterErrors(t, env) })
			t.Run("WatchJoined", func(t *testing.T) { testWatchJoined(t, env) })
		})
	}
}

// nearest is one result of FindNearest, as compared.
type nearest struct {
	tag    string
	meters float64
	rooms  []string
}

func findNearest(t *testing.T, env wardEnv, req *rtlsv1.FindNearestRequest) []nearest {
	t.Helper()
	resp, err := env.assets.FindNearest(testContext(t), req)
	if err != nil {
		t.Fatal(err)
	}
	var out []nearest
	for _, r := range resp.GetResults() {
		out = append(out, nearest{r.GetTagId(), r.GetWalkingDistanceM(), r.GetPathRoomIds()})
	}
	return out
}

func testFindNearest(t *testing.T, env wardEnv) {
	fromA := &rtlsv1.Origin{Place: &rtlsv1.Origin_Point{Point: &rtlsv1.LevelPoint{LevelId: "L4", X: 5, Y: 7.5}}}
	// From (5, 7.5): P2 is 6 m away through the wall, but the walk to it
	// goes out through A's door, along C and in through B's far door:
	// 2.5 + 13.5 + hypot(7.5, 2.5). P3 is 16.6 m away in a straight line
	// and 2.5 + 16.5 + 1 = 20 m on foot.
	walkP2 := 2.5 + 13.5 + 7.905694150420948
	got := findNearest(t, env, &rtlsv1.FindNearestRequest{From: fromA, AssetType: "infusion_pump",
		Statuses: []rtlsv1.AssetStatus{rtlsv1.AssetStatus_AVAILABLE}})
	want := []nearest{{"P3", 20, []string{"A", "C", "D"}}, {"P2", walkP2, []string{"A", "C", "B"}}}
	if !sameNearest(got, want) {
		t.Errorf("AVAILABLE infusion pumps: got %v, want %v", got, want)
	}

	// Without the status filter the pump in use in A itself comes first;
	// without the type filter the syringe pump in the corridor too.
	got = findNearest(t, env, &rtlsv1.FindNearestRequest{From: fromA, AssetType: "infusion_pump"})
	if ids := nearestIDs(got); !slices.Equal(ids, []string{"P1", "P3", "P2"}) {
		t.Errorf("any status: got %v", got)
	}
	got = findNearest(t, env, &rtlsv1.FindNearestRequest{From: fromA, Limit: 2})
	if ids := nearestIDs(got); !slices.Equal(ids, []string{"P1", "S1"}) {
		t.Errorf("any type, limit 2: got %v", got)
	}
	got = findNearest(t, env, &rtlsv1.FindNearestRequest{From: fromA,
		Statuses: []rtlsv1.AssetStatus{rtlsv1.AssetStatus_MAINTENANCE, rtlsv1.AssetStatus_IN_USE}})
	if ids := nearestIDs(got); !slices.Equal(ids, []string{"P1"}) {
		t.Errorf("MAINTENANCE or IN_USE: got %v", got)
	}

	// A room starts at its centroid (5, 7.5); a tag at its position.
	got = findNearest(t, env, &rtlsv1.FindNearestRequest{AssetType: "infusion_pump",
		From:     &rtlsv1.Origin{Place: &rtlsv1.Origin_RoomId{RoomId: "A"}},
		Statuses: []rtlsv1.AssetStatus{rtlsv1.AssetStatus_AVAILABLE}})
	if !sameNearest(got, want) {
		t.Errorf("from room A: got %v, want %v", got, want)
	}
	got = findNearest(t, env, &rtlsv1.FindNearestRequest{AssetType: "infusion_pump",
		From:     &rtlsv1.Origin{Place: &rtlsv1.Origin_TagId{TagId: "N-2"}},
		Statuses: []rtlsv1.AssetStatus{rtlsv1.AssetStatus_AVAILABLE}})
	if ids := nearestIDs(got); !slices.Equal(ids, []string{"P3", "P2"}) || got[0].rooms[0] != "D" {
		t.Errorf("from nurse N-2 in D: got %v", got)
	}

	resp, err := env.assets.FindNearest(testContext(t), &rtlsv1.FindNearestRequest{From: fromA, Limit: 1,
		Statuses: []rtlsv1.AssetStatus{rtlsv1.AssetStatus_AVAILABLE}, AssetType: "infusion_pump"})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.GetResults()[0]
	if r.GetName() != "Pump 3" || r.GetType() != "infusion_pump" || r.GetStatus() != rtlsv1.AssetStatus_AVAILABLE ||
		r.GetRoomId() != "D" || r.GetLevelId() != "L4" || r.GetRoomProbability() != 0.8 ||
		r.GetLastSeenAt().AsTime().UnixMilli() != 3000 {
		t.Errorf("result fields: %v", r)
	}
}

func testFindNearestErrors(t *testing.T, env wardEnv) {
	room := func(id string) *rtlsv1.Origin { return &rtlsv1.Origin{Place: &rtlsv1.Origin_RoomId{RoomId: id}} }
	point := func(level string, x, y float64) *rtlsv1.Origin {
		return &rtlsv1.Origin{Place: &rtlsv1.Origin_Point{Point: &rtlsv1.LevelPoint{LevelId: level, X: x, Y: y}}}
	}
	for _, c := range []struct {
		name  string
		req   *rtlsv1.FindNearestRequest
		field string
	}{
		{"no origin", &rtlsv1.FindNearestRequest{}, "from"},
		{"empty origin", &rtlsv1.FindNearestRequest{From: &rtlsv1.Origin{}}, "from"},
		{"unknown room", &rtlsv1.FindNearestRequest{From: room("Z")}, "from.room_id"},
		{"empty room", &rtlsv1.FindNearestRequest{From: room("")}, "from.room_id"},
		{"tag never located", &rtlsv1.FindNearestRequest{From: &rtlsv1.Origin{Place: &rtlsv1.Origin_TagId{TagId: "P4"}}}, "from.tag_id"},
		{"unknown level", &rtlsv1.FindNearestRequest{From: point("L9", 5, 7)}, "from.point.level_id"},
		{"point in a wall", &rtlsv1.FindNearestRequest{From: point("L4", 10, 7)}, "from.point"},
		{"limit too high", &rtlsv1.FindNearestRequest{From: room("A"), Limit: 101}, "limit"},
		{"negative limit", &rtlsv1.FindNearestRequest{From: room("A"), Limit: -1}, "limit"},
		{"unknown status", &rtlsv1.FindNearestRequest{From: room("A"), Statuses: []rtlsv1.AssetStatus{42}}, "statuses"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := env.assets.FindNearest(testContext(t), c.req)
			wantStatus(t, err, codes.InvalidArgument, c.field)
		})
	}
}

func testListNotSeen(t *testing.T, env wardEnv) {
	// Not seen since 3500: P4 never, P2 at 2000, P3 at 3000; S1 is of
	// another type, P1 was seen at 4000.
	var got []string
	req := &rtlsv1.ListNotSeenRequest{Since: timestamppb.New(time.UnixMilli(3500)), AssetType: "infusion_pump", PageSize: 2}
	for range 5 {
		resp, err := env.assets.ListNotSeen(testContext(t), req)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range resp.GetAssets() {
			got = append(got, a.GetTag().GetId())
			if a.GetBatteryPercent() != unknownBattery {
				t.Errorf("%s: battery %d, want unknown", a.GetTag().GetId(), a.GetBatteryPercent())
			}
			if (a.GetLocation() == nil) != (a.GetTag().GetId() == "P4") || (a.GetLastSeenAt() == nil) != (a.GetTag().GetId() == "P4") {
				t.Errorf("%s: location %v last seen %v", a.GetTag().GetId(), a.GetLocation(), a.GetLastSeenAt())
			}
		}
		if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
			break
		}
	}
	if want := []string{"P4", "P2", "P3"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	_, err := env.assets.ListNotSeen(testContext(t), &rtlsv1.ListNotSeenRequest{})
	wantStatus(t, err, codes.InvalidArgument, "since")
	_, err = env.assets.ListNotSeen(testContext(t), &rtlsv1.ListNotSeenRequest{Since: timestamppb.Now(), PageToken: "forged"})
	wantStatus(t, err, codes.InvalidArgument, "page_token")
}

func testListMaintenanceDue(t *testing.T, env wardEnv) {
	due := func(req *rtlsv1.ListMaintenanceDueRequest) []string {
		t.Helper()
		resp, err := env.assets.ListMaintenanceDue(testContext(t), req)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range resp.GetAssets() {
			ids = append(ids, a.GetTag().GetId())
			if a.GetTag().GetMaintenanceDue() == nil {
				t.Errorf("%s: no due date", a.GetTag().GetId())
			}
		}
		return ids
	}
	// The clock is at 2500: P2 (1000) and S1 (2000) are due.
	if got := due(&rtlsv1.ListMaintenanceDueRequest{}); !slices.Equal(got, []string{"P2", "S1"}) {
		t.Errorf("due now: %v", got)
	}
	before := timestamppb.New(time.UnixMilli(10000))
	if got := due(&rtlsv1.ListMaintenanceDueRequest{Before: before, AssetType: "infusion_pump"}); !slices.Equal(got, []string{"P2", "P1", "P4"}) {
		t.Errorf("infusion pumps due before 10 s: %v", got)
	}
	resp, err := env.assets.ListMaintenanceDue(testContext(t), &rtlsv1.ListMaintenanceDueRequest{Before: before, PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if l := resp.GetAssets()[0].GetLocation(); l.GetRoomId() != "B" || l.GetUnitId() != "4W" || l.GetName() != "Pump 2" {
		t.Errorf("the first due asset's location: %v", l)
	}
	if resp.GetNextPageToken() == "" {
		t.Error("no next page token")
	}
}

// listAll pages through ListLocations and returns the tag ids and names.
func listAll(t *testing.T, env wardEnv, req *rtlsv1.ListLocationsRequest) (ids, names []string) {
	t.Helper()
	return listWith(t, env.locations, req)
}

// listWith pages through ListLocations of c.
func listWith(t *testing.T, c rtlsv1.LocationServiceClient, req *rtlsv1.ListLocationsRequest) (ids, names []string) {
	t.Helper()
	for range 20 {
		resp, err := c.ListLocations(testContext(t), req)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range resp.GetLocations() {
			ids = append(ids, l.GetTagId())
			names = append(names, l.GetName())
		}
		if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
			return ids, names
		}
	}
	t.Fatal("ListLocations never ends")
	return nil, nil
}

func testWhoIsInRoom(t *testing.T, env wardEnv) {
	resp, err := env.locations.ListLocations(testContext(t), &rtlsv1.ListLocationsRequest{RoomId: "A"})
	if err != nil {
		t.Fatal(err)
	}
	type who struct {
		tag, name, role, unit string
		class                 rtlsv1.TagClass
		status                rtlsv1.AssetStatus
	}
	var got []who
	for _, l := range resp.GetLocations() {
		got = append(got, who{l.GetTagId(), l.GetName(), l.GetRole(), l.GetUnitId(), l.GetClass(), l.GetStatus()})
	}
	want := []who{
		{"N-1", "Ada Okafor", "RN", "4W", rtlsv1.TagClass_STAFF, 0},
		{"N-3", "Chloe Martin", "tech", "4W", rtlsv1.TagClass_STAFF, 0},
		{"P1", "Pump 1", "", "4W", rtlsv1.TagClass_ASSET, rtlsv1.AssetStatus_IN_USE},
		{"PAT-1", "", "", "4W", rtlsv1.TagClass_PATIENT, 0}, // patients carry no name
	}
	if !slices.Equal(got, want) {
		t.Errorf("who is in A:\n got %v\nwant %v", got, want)
	}
	l, err := env.locations.GetLocation(testContext(t), &rtlsv1.GetLocationRequest{TagId: "N-2"})
	if err != nil {
		t.Fatal(err)
	}
	if l.GetName() != "Ben Lindqvist" || l.GetUnitId() != "4E" || l.GetType() != "nurse" {
		t.Errorf("GetLocation N-2: %v", l)
	}
}

func testRolesOnUnit(t *testing.T, env wardEnv) {
	ids, names := listAll(t, env, &rtlsv1.ListLocationsRequest{UnitId: "4W", Role: "RN"})
	if !slices.Equal(ids, []string{"N-1"}) || names[0] != "Ada Okafor" {
		t.Errorf("RNs on 4W: %v %v", ids, names)
	}
	ids, _ = listAll(t, env, &rtlsv1.ListLocationsRequest{Class: rtlsv1.TagClass_STAFF})
	if !slices.Equal(ids, []string{"N-1", "N-2", "N-3"}) {
		t.Errorf("staff: %v", ids)
	}
	ids, _ = listAll(t, env, &rtlsv1.ListLocationsRequest{UnitId: "4W"})
	if !slices.Equal(ids, []string{"N-1", "N-3", "P1", "P2", "PAT-1"}) {
		t.Errorf("on 4W: %v", ids)
	}
	ids, _ = listAll(t, env, &rtlsv1.ListLocationsRequest{Type: "infusion_pump",
		Statuses: []rtlsv1.AssetStatus{rtlsv1.AssetStatus_AVAILABLE}, LevelId: "L4"})
	if !slices.Equal(ids, []string{"P2", "P3"}) {
		t.Errorf("available infusion pumps: %v", ids)
	}
}

// testFilteredPaging pages through filtered lists one location at a
// time, and with a server bounded to two reads a call (short pages): the
// pages join up to the list of one large page.
func testFilteredPaging(t *testing.T, env wardEnv) {
	for _, req := range []*rtlsv1.ListLocationsRequest{
		{UnitId: "4W"},
		{UnitId: "4E"},
		{UnitId: "4W", Class: rtlsv1.TagClass_ASSET},
		{RoomId: "A", Class: rtlsv1.TagClass_STAFF},
		{Class: rtlsv1.TagClass_ASSET},
		{Class: rtlsv1.TagClass_ASSET, UnitId: "4E"},
	} {
		all, _ := listAll(t, env, proto1000(req))
		paged, _ := listAll(t, env, proto1(req))
		tight, _ := listWith(t, env.tight, proto1000(req))
		if len(all) == 0 || !slices.Equal(all, paged) || !slices.Equal(all, tight) {
			t.Errorf("%v: one page %v, pages of one %v, short pages %v", req, all, paged, tight)
		}
	}
}

func proto1000(r *rtlsv1.ListLocationsRequest) *rtlsv1.ListLocationsRequest {
	return &rtlsv1.ListLocationsRequest{LevelId: r.LevelId, RoomId: r.RoomId, UnitId: r.UnitId, Class: r.Class,
		Type: r.Type, Role: r.Role, Statuses: r.Statuses, PageSize: 1000}
}

func proto1(r *rtlsv1.ListLocationsRequest) *rtlsv1.ListLocationsRequest {
	c := proto1000(r)
	c.PageSize = 1
	return c
}

func testLocationFilterErrors(t *testing.T, env wardEnv) {
	for _, c := range []struct {
		req   *rtlsv1.ListLocationsRequest
		field string
	}{
		{&rtlsv1.ListLocationsRequest{UnitId: "9X"}, "unit_id"},
		{&rtlsv1.ListLocationsRequest{RoomId: "Z"}, "room_id"},
		{&rtlsv1.ListLocationsRequest{LevelId: "L9"}, "level_id"},
		{&rtlsv1.ListLocationsRequest{Class: 9}, "class"},
		{&rtlsv1.ListLocationsRequest{Statuses: []rtlsv1.AssetStatus{0}}, "statuses"},
		{&rtlsv1.ListLocationsRequest{Role: "RN", PageToken: "forged"}, "page_token"},
	} {
		_, err := env.locations.ListLocations(testContext(t), c.req)
		wantStatus(t, err, codes.InvalidArgument, c.field)
	}
}

func nearestIDs(ns []nearest) []string {
	ids := make([]string, len(ns))
	for i, n := range ns {
		ids[i] = n.tag
	}
	return ids
}

func sameNearest(got, want []nearest) bool {
	return slices.EqualFunc(got, want, func(a, b nearest) bool {
		return a.tag == b.tag && a.meters > b.meters-1e-9 && a.meters < b.meters+1e-9 && slices.Equal(a.rooms, b.rooms)
	})
}

// testWatchJoined: a watched update carries the registry's fields and its
// room's unit, like GetLocation's.
func testWatchJoined(t *testing.T, env wardEnv) {
	ctx := testContext(t)
	stream, err := env.locations.WatchLocations(ctx, &rtlsv1.WatchLocationsRequest{TagIds: []string{"N-1", "P3"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Header(); err != nil { // the watch is established
		t.Fatal(err)
	}
	moved := []location.Position{
		{TS: 9000, Tag: "N-2", Level: "L4", X: 12, Y: 7, Room: "B", RoomProb: 0.9}, // not watched
		{TS: 9000, Tag: "N-1", Level: "L4", X: 24, Y: 7, Room: "D", RoomProb: 0.9},
		{TS: 9000, Tag: "P3", Level: "L4", X: 5, Y: 2, Room: "C", RoomProb: 0.7},
	}
	if _, err := env.store.Apply(ctx, store.Update{Positions: moved}); err != nil {
		t.Fatal(err)
	}
	got := map[string]*rtlsv1.Location{}
	for len(got) < 2 {
		l, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		got[l.GetTagId()] = l
	}
	if l := got["N-1"]; l.GetName() != "Ada Okafor" || l.GetRole() != "RN" || l.GetUnitId() != "4E" || l.GetClass() != rtlsv1.TagClass_STAFF {
		t.Errorf("N-1: %v", l)
	}
	if l := got["P3"]; l.GetStatus() != rtlsv1.AssetStatus_AVAILABLE || l.GetUnitId() != "" || l.GetType() != "infusion_pump" {
		t.Errorf("P3: %v", l)
	}
}

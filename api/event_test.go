package api

import (
	"context"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// fixtureEvents are eight events over zones Z1..Z4; the group "storage"
// holds Z2 and Z3.
var fixtureEvents = []geofence.Event{
	{Type: geofence.Enter, Tag: "PUMP-008", Zone: "Z1", TS: 1000, Class: "asset", Trigger: "position"},
	{Type: geofence.Exit, Tag: "PUMP-008", Zone: "Z1", TS: 2000, Class: "asset", Trigger: "position"},
	{Type: geofence.Enter, Tag: "STAFF-001", Zone: "Z2", TS: 3000, Class: "staff", Trigger: "position"},
	{Type: geofence.Dwell, Tag: "STAFF-001", Zone: "Z2", TS: 4000, Class: "staff", Rule: "r-dwell"},
	{Type: geofence.Restricted, Tag: "PAT-001", Zone: "Z3", TS: 5000, Class: "patient", Rule: "r-restricted"},
	{Type: geofence.BelowPar, Zone: "Z3", TS: 6000, Class: "asset", Count: 2, Rule: "r-par"},
	{Type: geofence.Absence, Tag: "STAFF-002", Zone: "Z4", TS: 7000, Class: "staff", Trigger: "silence"},
	{Type: geofence.ParRestored, Zone: "Z3", TS: 8000, Class: "asset", Count: 5, Rule: "r-par"},
}

// filterCases select fixtureEvents by index. Every filter also selects
// fixtureEvents[2], which watch tests append again as the last event.
var filterCases = []struct {
	name   string
	filter *rtlsv1.EventFilter
	want   []int
}{
	{"none", nil, []int{0, 1, 2, 3, 4, 5, 6, 7}},
	{"zones", &rtlsv1.EventFilter{ZoneIds: []string{"Z1", "Z2"}}, []int{0, 1, 2, 3}},
	{"group", &rtlsv1.EventFilter{GroupIds: []string{"storage"}}, []int{2, 3, 4, 5, 7}},
	{"zones and group", &rtlsv1.EventFilter{ZoneIds: []string{"Z1"}, GroupIds: []string{"storage"}}, []int{0, 1, 2, 3, 4, 5, 7}},
	{"tags", &rtlsv1.EventFilter{TagIds: []string{"STAFF-001", "STAFF-002"}}, []int{2, 3, 6}},
	{"class", &rtlsv1.EventFilter{TagClasses: []rtlsv1.TagClass{rtlsv1.TagClass_STAFF}}, []int{2, 3, 6}},
	{"classes", &rtlsv1.EventFilter{TagClasses: []rtlsv1.TagClass{rtlsv1.TagClass_STAFF, rtlsv1.TagClass_PATIENT}}, []int{2, 3, 4, 6}},
	{"types", &rtlsv1.EventFilter{Types: []rtlsv1.EventType{rtlsv1.EventType_ENTER, rtlsv1.EventType_BELOW_PAR}}, []int{0, 2, 5}},
	{"all kinds", &rtlsv1.EventFilter{
		GroupIds:   []string{"storage"},
		TagClasses: []rtlsv1.TagClass{rtlsv1.TagClass_STAFF},
		Types:      []rtlsv1.EventType{rtlsv1.EventType_ENTER, rtlsv1.EventType_DWELL},
	}, []int{2, 3}},
}

// pick returns the ids of events[i] for each i of idx.
func pick(events []geofence.Event, idx []int) []string {
	ids := make([]string, len(idx))
	for n, i := range idx {
		ids[n] = events[i].ID
	}
	return ids
}

// ids returns the ids of events.
func ids(events []geofence.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

// recvIDs receives n events from stream and returns their ids.
func recvIDs(t *testing.T, stream interface{ Recv() (*rtlsv1.Event, error) }, n int) []string {
	t.Helper()
	out := make([]string, 0, n)
	for range n {
		e, err := stream.Recv()
		if err != nil {
			t.Fatalf("after %d events: %v", len(out), err)
		}
		out = append(out, e.Id)
	}
	return out
}

func TestListEventsRange(t *testing.T) {
	env := startEnv(t, envConfig{})
	events := env.store.appendEvents(fixtureEvents...)
	ctx := testContext(t)
	ms := func(v int64) *timestamppb.Timestamp { return timestamppb.New(time.UnixMilli(v)) }
	tests := []struct {
		name     string
		from, to *timestamppb.Timestamp
		want     []int
	}{
		{"unbounded", nil, nil, []int{0, 1, 2, 3, 4, 5, 6, 7}},
		{"closed range", ms(2000), ms(5000), []int{1, 2, 3, 4}},
		{"from only", ms(7000), nil, []int{6, 7}},
		{"to only", nil, ms(1000), []int{0}},
		{"empty range", ms(1001), ms(1999), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := env.events.ListEvents(ctx, &rtlsv1.ListEventsRequest{From: tt.from, To: tt.to})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range resp.Events {
				got = append(got, e.Id)
			}
			if want := pick(events, tt.want); !slices.Equal(got, want) || resp.NextPageToken != "" {
				t.Errorf("got %v (next %q), want %v", got, resp.NextPageToken, want)
			}
		})
	}
}

func TestListEventsFilterPages(t *testing.T) {
	env := startEnv(t, envConfig{})
	events := env.store.appendEvents(fixtureEvents...)
	ctx := testContext(t)
	for _, tt := range filterCases {
		for _, size := range []int32{1, 2, 3, 100} {
			t.Run(tt.name, func(t *testing.T) {
				req := &rtlsv1.ListEventsRequest{Filter: tt.filter, PageSize: size}
				var got []string
				for pages := 0; pages <= len(events); pages++ {
					resp, err := env.events.ListEvents(ctx, req)
					if err != nil {
						t.Fatal(err)
					}
					if len(resp.Events) > int(size) {
						t.Fatalf("page of %d events, page_size %d", len(resp.Events), size)
					}
					for _, e := range resp.Events {
						got = append(got, e.Id)
					}
					if req.PageToken = resp.NextPageToken; req.PageToken == "" {
						break
					}
				}
				if want := pick(events, tt.want); !slices.Equal(got, want) {
					t.Errorf("page_size %d: got %v, want %v", size, got, want)
				}
			})
		}
	}
}

func TestListEventsContent(t *testing.T) {
	env := startEnv(t, envConfig{})
	events := env.store.appendEvents(fixtureEvents[5])
	resp, err := env.events.ListEvents(testContext(t), &rtlsv1.ListEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Events) != 1 {
		t.Fatalf("got %d events, want 1", len(resp.Events))
	}
	got := resp.Events[0]
	if got.Id != events[0].ID || got.Type != rtlsv1.EventType_BELOW_PAR || got.ZoneId != "Z3" ||
		got.Time.AsTime().UnixMilli() != 6000 || got.RuleId != "r-par" || got.TagClass != rtlsv1.TagClass_ASSET ||
		got.Count != 2 || got.TagId != "" {
		t.Errorf("got %v, want %+v", got, events[0])
	}
}

func TestListEventsInvalid(t *testing.T) {
	env := startEnv(t, envConfig{})
	ctx := testContext(t)
	tests := []struct {
		name  string
		req   *rtlsv1.ListEventsRequest
		field string
	}{
		{"negative page size", &rtlsv1.ListEventsRequest{PageSize: -5}, "page_size"},
		{"page size too large", &rtlsv1.ListEventsRequest{PageSize: 1001}, "page_size"},
		{"bad page token", &rtlsv1.ListEventsRequest{PageToken: "nope"}, "page_token"},
		{"to before from", &rtlsv1.ListEventsRequest{From: &timestamppb.Timestamp{Seconds: 10}, To: &timestamppb.Timestamp{Seconds: 9}}, "to"},
		{"invalid from", &rtlsv1.ListEventsRequest{From: &timestamppb.Timestamp{Nanos: -1}}, "from"},
		{"unknown event type", &rtlsv1.ListEventsRequest{Filter: &rtlsv1.EventFilter{Types: []rtlsv1.EventType{99}}}, "filter.types"},
		{"unspecified event type", &rtlsv1.ListEventsRequest{Filter: &rtlsv1.EventFilter{Types: []rtlsv1.EventType{0}}}, "filter.types"},
		{"unknown tag class", &rtlsv1.ListEventsRequest{Filter: &rtlsv1.EventFilter{TagClasses: []rtlsv1.TagClass{42}}}, "filter.tag_classes"},
		{"unknown zone", &rtlsv1.ListEventsRequest{Filter: &rtlsv1.EventFilter{ZoneIds: []string{"Z1", "nowhere"}}}, "filter.zone_ids[1]"},
		{"unknown group", &rtlsv1.ListEventsRequest{Filter: &rtlsv1.EventFilter{GroupIds: []string{"storage", "unknown"}}}, "filter.group_ids[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.events.ListEvents(ctx, tt.req)
			wantStatus(t, err, codes.InvalidArgument, tt.field)
		})
	}
	t.Run("groups without resolver", func(t *testing.T) {
		s := NewEventServer(env.store, nil, nil)
		_, err := s.ListEvents(ctx, &rtlsv1.ListEventsRequest{Filter: &rtlsv1.EventFilter{GroupIds: []string{"storage"}}})
		wantStatus(t, err, codes.InvalidArgument, "filter.group_ids")
	})
}

func TestWatchEventsFilter(t *testing.T) {
	env := startEnv(t, envConfig{})
	events := env.store.appendEvents(fixtureEvents...)
	marker := env.store.appendEvents(fixtureEvents[2])[0]
	for _, tt := range filterCases {
		t.Run(tt.name, func(t *testing.T) {
			stream, err := env.events.WatchEvents(testContext(t), &rtlsv1.WatchEventsRequest{AfterId: "0", Filter: tt.filter})
			if err != nil {
				t.Fatal(err)
			}
			// The marker is the last event: anything the filter should
			// have dropped would arrive before it.
			want := append(pick(events, tt.want), marker.ID)
			if got := recvIDs(t, stream, len(want)); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestWatchEventsResume(t *testing.T) {
	env := startEnv(t, envConfig{})
	all := env.store.appendEvents(fixtureEvents...)

	ctx, cancel := context.WithCancel(testContext(t))
	stream, err := env.events.WatchEvents(ctx, &rtlsv1.WatchEventsRequest{AfterId: "0"})
	if err != nil {
		t.Fatal(err)
	}
	got := recvIDs(t, stream, 4)
	cancel() // the client goes away after the fourth event ...

	// ... and comes back with the id of the last event it saw, while more
	// events are appended.
	stream, err = env.events.WatchEvents(testContext(t), &rtlsv1.WatchEventsRequest{AfterId: got[len(got)-1]})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Header(); err != nil {
		t.Fatal(err)
	}
	all = append(all, env.store.appendEvents(fixtureEvents...)...)
	got = append(got, recvIDs(t, stream, len(all)-len(got))...)
	if want := ids(all); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestWatchEventsFromNow(t *testing.T) {
	env := startEnv(t, envConfig{})
	env.store.appendEvents(fixtureEvents...)
	stream, err := env.events.WatchEvents(testContext(t), &rtlsv1.WatchEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Header(); err != nil { // the start is fixed
		t.Fatal(err)
	}
	fresh := env.store.appendEvents(fixtureEvents[:3]...)
	if got, want := recvIDs(t, stream, len(fresh)), ids(fresh); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestWatchEventsEmptyStore(t *testing.T) {
	env := startEnv(t, envConfig{})
	stream, err := env.events.WatchEvents(testContext(t), &rtlsv1.WatchEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Header(); err != nil {
		t.Fatal(err)
	}
	fresh := env.store.appendEvents(fixtureEvents...)
	if got, want := recvIDs(t, stream, len(fresh)), ids(fresh); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestWatchEventsStoreRepeats(t *testing.T) {
	store := newFakeStore()
	env := startEnv(t, envConfig{events: repeatingReader{store}})
	env.store = store
	all := store.appendEvents(fixtureEvents...)
	stream, err := env.events.WatchEvents(testContext(t), &rtlsv1.WatchEventsRequest{AfterId: "0"})
	if err != nil {
		t.Fatal(err)
	}
	got := recvIDs(t, stream, len(all))
	all = append(all, store.appendEvents(fixtureEvents[0])...)
	got = append(got, recvIDs(t, stream, 1)...)
	if want := ids(all); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestWatchEventsInvalid(t *testing.T) {
	env := startEnv(t, envConfig{})
	ctx := testContext(t)
	tests := []struct {
		name  string
		req   *rtlsv1.WatchEventsRequest
		field string
	}{
		{"after id not a number", &rtlsv1.WatchEventsRequest{AfterId: "abc"}, "after_id"},
		{"after id without seq", &rtlsv1.WatchEventsRequest{AfterId: "12-"}, "after_id"},
		{"after id negative", &rtlsv1.WatchEventsRequest{AfterId: "-1"}, "after_id"},
		{"after id three parts", &rtlsv1.WatchEventsRequest{AfterId: "1-2-3"}, "after_id"},
		{"after id with space", &rtlsv1.WatchEventsRequest{AfterId: " 1"}, "after_id"},
		{"unknown event type", &rtlsv1.WatchEventsRequest{Filter: &rtlsv1.EventFilter{Types: []rtlsv1.EventType{99}}}, "filter.types"},
		{"unknown tag class", &rtlsv1.WatchEventsRequest{Filter: &rtlsv1.EventFilter{TagClasses: []rtlsv1.TagClass{-1}}}, "filter.tag_classes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stream, err := env.events.WatchEvents(ctx, tt.req)
			if err == nil {
				_, err = stream.Recv()
			}
			wantStatus(t, err, codes.InvalidArgument, tt.field)
		})
	}
}

func TestListEventsReadCap(t *testing.T) {
	env := startEnv(t, envConfig{})
	var es []geofence.Event
	for range 3 * maxListReads {
		es = append(es, fixtureEvents[0])
	}
	want := env.store.appendEvents(append(es, fixtureEvents[4])...)
	req := &rtlsv1.ListEventsRequest{PageSize: 1, Filter: &rtlsv1.EventFilter{Types: []rtlsv1.EventType{rtlsv1.EventType_RESTRICTED}}}
	ctx := testContext(t)
	var got []string
	var pages int
	for pages = 1; pages <= len(want); pages++ {
		resp, err := env.events.ListEvents(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range resp.Events {
			got = append(got, e.Id)
		}
		if req.PageToken = resp.NextPageToken; req.PageToken == "" {
			break
		}
	}
	// Each call reads at most maxListReads store pages of one event.
	if !slices.Equal(got, []string{want[len(want)-1].ID}) || pages != 4 {
		t.Errorf("got %v in %d pages, want %v in 4", got, pages, want[len(want)-1].ID)
	}
}

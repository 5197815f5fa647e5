package api

import (
	"context"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// setupGroups makes two bays (category "bay") in the corridor and three
// ENTER rules, one per kind of target, then moves four tags (not to scale):
//
//	+--------+--------+--------+--------+
//	| L0-S00 | L0-S01 | L0-S02 | L0-S03 |   rooms, y 0..8
//	|        |  TAG-B |  TAG-C |        |
//	+--------+--------+--------+--------+
//	| [bay-1]     L0-COR     [bay-2]    |   corridor, y 8.1..10.7
//	|  TAG-A                  TAG-D     |
//	+-----------------------------------+
//
// rules: watch-bay (group category "bay"), watch-s01 (zone L0-S01),
// watch-list (group zone_ids L0-S02, L0-S03).
func setupGroups(t *testing.T, env *fenceEnv) {
	t.Helper()
	ctx := testContext(t)
	for _, z := range []*rtlsv1.Zone{bay("bay-1", 2), bay("bay-2", 30)} {
		if _, err := env.fences.CreateZone(ctx, &rtlsv1.CreateZoneRequest{Zone: z}); err != nil {
			t.Fatal(err)
		}
	}
	rules := []*rtlsv1.Rule{
		{Id: "watch-bay", Target: &rtlsv1.Rule_Group{Group: &rtlsv1.ZoneGroup{Category: "bay"}}},
		{Id: "watch-s01", Target: &rtlsv1.Rule_ZoneId{ZoneId: "L0-S01"}},
		{Id: "watch-list", Target: group("L0-S02", "L0-S03")},
	}
	for _, r := range rules {
		r.EventType, r.Enabled = rtlsv1.Rule_ENTER, true
		if _, err := env.fences.CreateRule(ctx, &rtlsv1.CreateRuleRequest{Rule: r}); err != nil {
			t.Fatal(err)
		}
	}
	env.admin.observe(
		at("TAG-A", "L0-COR", 3, 9.5, 2_000_000),
		at("TAG-B", "L0-S01", 8, 4, 2_001_000),
		at("TAG-C", "L0-S02", 13, 4, 2_002_000),
		at("TAG-D", "L0-COR", 31, 9.5, 2_003_000),
	)
}

func TestEventFilterGroupsResolvedByAdmin(t *testing.T) {
	env := startFenceEnv(t)
	setupGroups(t, env)
	tests := []struct {
		name   string
		filter *rtlsv1.EventFilter
		want   []string // "tag zone"
	}{
		{"none", nil, []string{"TAG-A bay-1", "TAG-B L0-S01", "TAG-C L0-S02", "TAG-D bay-2"}},
		{"category", &rtlsv1.EventFilter{GroupIds: []string{"category:bay"}}, []string{"TAG-A bay-1", "TAG-D bay-2"}},
		{"room category", &rtlsv1.EventFilter{GroupIds: []string{"category:patient_room"}}, []string{"TAG-B L0-S01", "TAG-C L0-S02"}},
		{"rule with a zone", &rtlsv1.EventFilter{GroupIds: []string{"rule:watch-s01"}}, []string{"TAG-B L0-S01"}},
		{"rule with a category", &rtlsv1.EventFilter{GroupIds: []string{"rule:watch-bay"}}, []string{"TAG-A bay-1", "TAG-D bay-2"}},
		{"rule with a list", &rtlsv1.EventFilter{GroupIds: []string{"rule:watch-list"}}, []string{"TAG-C L0-S02"}},
		{"group and zone", &rtlsv1.EventFilter{ZoneIds: []string{"L0-S01"}, GroupIds: []string{"category:bay"}},
			[]string{"TAG-A bay-1", "TAG-B L0-S01", "TAG-D bay-2"}},
	}
	ctx := testContext(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := env.events.ListEvents(ctx, &rtlsv1.ListEventsRequest{Filter: tt.filter})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range resp.Events {
				if e.Type != rtlsv1.EventType_ENTER {
					t.Errorf("unexpected event %v", e)
				}
				if e.RuleId == "" { // a default zone event: each rule event has one too
					continue
				}
				got = append(got, e.TagId+" "+e.ZoneId)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// A watch resolves its groups again as events come, so that it follows
// zones and rules created after it started. The category must exist when
// the watch starts (an unknown group is INVALID_ARGUMENT): a first bay, far
// from every tag, makes it exist.
func TestWatchEventsFollowsGroups(t *testing.T) {
	env := startFenceEnv(t)
	ctx, cancel := context.WithTimeout(testContext(t), 10*time.Second) // fail, not hang
	defer cancel()
	if _, err := env.fences.CreateZone(ctx, &rtlsv1.CreateZoneRequest{Zone: bay("bay-0", 16)}); err != nil {
		t.Fatal(err)
	}
	stream, err := env.events.WatchEvents(ctx, &rtlsv1.WatchEventsRequest{
		Filter: &rtlsv1.EventFilter{GroupIds: []string{"category:bay"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Header(); err != nil { // the watch is established
		t.Fatal(err)
	}
	setupGroups(t, env) // creates the bays after the watch started
	for _, want := range []string{"TAG-A bay-1", "TAG-D bay-2"} {
		e, err := stream.Recv()
		for err == nil && e.RuleId == "" { // the default zone event of the same entry
			e, err = stream.Recv()
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := e.TagId + " " + e.ZoneId; got != want || e.RuleId != "watch-bay" {
			t.Fatalf("got %s (rule %q), want %s (rule watch-bay)", got, e.RuleId, want)
		}
	}
	if got := geofence.GroupZones("category:bay", env.admin.eng.Zones(""), nil); !slices.Equal(got, []string{"bay-0", "bay-1", "bay-2"}) {
		t.Errorf("GroupZones: got %v", got)
	}
}

// A filter naming a zone or group that does not exist is INVALID_ARGUMENT
// naming the field, for lists and watches alike, not an empty selection.
func TestEventFilterUnknownZoneOrGroup(t *testing.T) {
	env := startFenceEnv(t)
	setupGroups(t, env)
	tests := []struct {
		name   string
		filter *rtlsv1.EventFilter
		field  string
	}{
		{"unknown zone", &rtlsv1.EventFilter{ZoneIds: []string{"L0-S01", "L9-NOPE"}}, "filter.zone_ids[1]"},
		{"prefix-less group", &rtlsv1.EventFilter{GroupIds: []string{"bay"}}, "filter.group_ids[0]"},
		{"unknown rule", &rtlsv1.EventFilter{GroupIds: []string{"category:bay", "rule:nope"}}, "filter.group_ids[1]"},
		{"unknown category", &rtlsv1.EventFilter{GroupIds: []string{"category:icu"}}, "filter.group_ids[0]"},
		{"empty category", &rtlsv1.EventFilter{GroupIds: []string{"category:"}}, "filter.group_ids[0]"},
	}
	ctx := testContext(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.events.ListEvents(ctx, &rtlsv1.ListEventsRequest{Filter: tt.filter})
			wantStatus(t, err, codes.InvalidArgument, tt.field)
			stream, err := env.events.WatchEvents(ctx, &rtlsv1.WatchEventsRequest{Filter: tt.filter})
			if err == nil {
				_, err = stream.Recv()
			}
			wantStatus(t, err, codes.InvalidArgument, tt.field)
		})
	}
}

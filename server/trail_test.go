package server

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/redistest"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// TestTrailWhateverTheRules walks a tag S02 → S05 while an EXIT rule on
// S05 exists, deletes the rule while the tag is in S05 (at the newest
// position seen: the server's clock stands still), then walks it back to
// S02. GetTrail returns the visits of the walk, with the times of the
// default room events, before the deletion, unchanged after it (the
// rule's closing EXIT is no departure), and continued by the walk back.
func TestTrailWhateverTheRules(t *testing.T) {
	t.Parallel()
	rs := redistest.StartServer(t)
	cfg := eventsConfig(rs.URL(), 2*time.Second)
	clk := newTestClock()
	cfg.Clock = clk.Now
	s, _ := startWith(t, cfg)
	cc := dial(t, s)
	ctx := context.Background()
	rule := &rtlsv1.Rule{Id: "exit-s05", EventType: rtlsv1.Rule_EXIT, Enabled: true,
		Target: &rtlsv1.Rule_ZoneId{ZoneId: "L0-S05"}}
	if _, err := rtlsv1.NewGeofenceServiceClient(cc).CreateRule(ctx, &rtlsv1.CreateRuleRequest{Rule: rule}); err != nil {
		t.Fatalf("CreateRule: %v", err)
	}
	plan := loadClinic(t)
	const tag = "TRAIL-1"
	there := script{}
	there.stay(t, plan, tag, "L0-S02", 5)
	there.walk(t, plan, tag, "L0-S02", "L0-S05")
	there.stay(t, plan, tag, "L0-S05", 6)
	w := watchEvents(t, cc, "0", tagFilter(tag))
	f := newFeeder(t, s, plan)
	f.play(there, 0, len(there[tag]))
	got, err := w.until(t, defaultEnter("L0-S05"))
	if err != nil {
		t.Fatal(err)
	}
	before := getTrail(t, cc, tag)
	checkTrail(t, plan, before, got, "L0-S02, L0-COR, L0-S05")

	if _, err := rtlsv1.NewGeofenceServiceClient(cc).DeleteRule(ctx, &rtlsv1.DeleteRuleRequest{Id: rule.Id}); err != nil {
		t.Fatalf("DeleteRule: %v", err)
	}
	closing, err := w.until(t, func(e *rtlsv1.Event) bool { return e.RuleId == rule.Id })
	if err != nil {
		t.Fatal(err)
	}
	if c := closing[len(closing)-1]; c.Type != rtlsv1.EventType_EXIT || c.ZoneId != "L0-S05" || c.Trigger != "rule_removed" {
		t.Fatalf("closing event: %s %s trigger %q, want EXIT L0-S05 trigger rule_removed", c.Type, c.ZoneId, c.Trigger)
	}
	got = append(got, closing...)
	if after := getTrail(t, cc, tag); !sameVisits(after, before) {
		t.Fatalf("the rule's deletion changed the trail:\n got %s\nwant %s", visitsString(after), visitsString(before))
	}

	back := script{}
	back.stay(t, plan, tag, "L0-S05", 3)
	back.walk(t, plan, tag, "L0-S05", "L0-S02")
	back.stay(t, plan, tag, "L0-S02", 6)
	clk.advance(t, time.Duration(len(there[tag]))*time.Second) // the walk back starts after the first
	f2 := newFeeder(t, s, plan)
	f2.play(back, 0, len(back[tag]))
	more, err := w.until(t, defaultEnter("L0-S02"))
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, more...)
	checkTrail(t, plan, getTrail(t, cc, tag), got, "L0-S02, L0-COR, L0-S05, L0-COR, L0-S02")
}

// defaultEnter matches the default (no rule) ENTER of room.
func defaultEnter(room string) func(*rtlsv1.Event) bool {
	return func(e *rtlsv1.Event) bool { return is(rtlsv1.EventType_ENTER, room)(e) && e.RuleId == "" }
}

// getTrail returns the whole trail of tag within an hour of clockStart,
// every page.
func getTrail(t *testing.T, cc *grpc.ClientConn, tag string) *rtlsv1.GetTrailResponse {
	t.Helper()
	c := rtlsv1.NewLocationServiceClient(cc)
	req := &rtlsv1.GetTrailRequest{TagId: tag, From: timestamppb.New(clockStart.Add(-time.Hour)),
		To: timestamppb.New(clockStart.Add(time.Hour)), PageSize: 2}
	all := &rtlsv1.GetTrailResponse{}
	for {
		resp, err := c.GetTrail(context.Background(), req)
		if err != nil {
			t.Fatalf("GetTrail: %v", err)
		}
		all.Visits = append(all.Visits, resp.Visits...)
		all.Points = append(all.Points, resp.Points...)
		if resp.NextPageToken == "" {
			return all
		}
		req.PageToken = resp.NextPageToken
	}
}

// checkTrail checks the visits are rooms, in order, with the times of the
// default ENTER and EXIT of those rooms among evs, the last one open, and
// that the points start in the first room, follow the room changes and
// include a point in every visited room.
func checkTrail(t *testing.T, plan *floorplans.Plan, tr *rtlsv1.GetTrailResponse, evs []*rtlsv1.Event, rooms string) {
	t.Helper()
	var want []string
	for _, e := range evs {
		if _, ok := plan.Room(e.ZoneId); !ok || e.RuleId != "" {
			continue
		}
		switch e.Type {
		case rtlsv1.EventType_ENTER:
			want = append(want, fmt.Sprintf("%s@%d-", e.ZoneId, e.Time.AsTime().UnixMilli()))
		case rtlsv1.EventType_EXIT:
			want[len(want)-1] += fmt.Sprint(e.Time.AsTime().UnixMilli())
		}
	}
	if got := visitsString(tr); got != strings.Join(want, " ") {
		t.Fatalf("visits:\n got %s\nwant %s (the default room events)", got, strings.Join(want, " "))
	}
	var ids []string
	for _, v := range tr.Visits {
		ids = append(ids, v.RoomId)
	}
	if got := strings.Join(ids, ", "); got != rooms {
		t.Fatalf("rooms %s, want %s", got, rooms)
	}
	var seen []string
	for _, p := range tr.Points {
		if len(seen) == 0 || seen[len(seen)-1] != p.RoomId {
			seen = append(seen, p.RoomId)
		}
	}
	for _, room := range ids {
		if !slices.Contains(seen, room) {
			t.Fatalf("no point in %s; points pass %v", room, seen)
		}
	}
}

// visitsString renders visits as "room@enter-exit" (ms; exit empty while
// open).
func visitsString(tr *rtlsv1.GetTrailResponse) string {
	parts := make([]string, len(tr.Visits))
	for i, v := range tr.Visits {
		parts[i] = fmt.Sprintf("%s@%d-", v.RoomId, v.EnteredAt.AsTime().UnixMilli())
		if v.LeftAt != nil {
			parts[i] += fmt.Sprint(v.LeftAt.AsTime().UnixMilli())
		}
	}
	return strings.Join(parts, " ")
}

// sameVisits reports whether two trails have the same visits.
func sameVisits(a, b *rtlsv1.GetTrailResponse) bool { return visitsString(a) == visitsString(b) }

// TestTrailErrors: a tag without history is NOT_FOUND; a bad range is
// INVALID_ARGUMENT naming the field.
func TestTrailErrors(t *testing.T) {
	t.Parallel()
	rs := redistest.StartServer(t)
	s, _ := startWith(t, eventsConfig(rs.URL(), 2*time.Second))
	c := rtlsv1.NewLocationServiceClient(dial(t, s))
	now := time.Now()
	cases := []struct {
		name  string
		req   *rtlsv1.GetTrailRequest
		code  codes.Code
		field string
	}{
		{"unknown tag", &rtlsv1.GetTrailRequest{TagId: "NOBODY"}, codes.NotFound, "tag_id"},
		{"no tag", &rtlsv1.GetTrailRequest{}, codes.InvalidArgument, "tag_id"},
		{"from after to", &rtlsv1.GetTrailRequest{TagId: "T", From: timestamppb.New(now), To: timestamppb.New(now.Add(-time.Second))},
			codes.InvalidArgument, "from"},
		{"bad to", &rtlsv1.GetTrailRequest{TagId: "T", To: &timestamppb.Timestamp{Nanos: -1}}, codes.InvalidArgument, "to"},
		{"page size", &rtlsv1.GetTrailRequest{TagId: "T", PageSize: 1001}, codes.InvalidArgument, "page_size"},
		{"page token", &rtlsv1.GetTrailRequest{TagId: "T", PageToken: "forged"}, codes.InvalidArgument, "page_token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.GetTrail(context.Background(), tc.req)
			st := status.Convert(err)
			if st.Code() != tc.code || !strings.HasPrefix(st.Message(), tc.field+":") {
				t.Fatalf("got %v %q, want %v naming %s", st.Code(), st.Message(), tc.code, tc.field)
			}
		})
	}
}

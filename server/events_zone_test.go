package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/internal/redistest"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// bay is a zone drawn over the bed half of S03, around its reader:
//
//	16.6      17.5           21.0 21.9
//	+---------+--------------+----+ 7.9
//	|         | BAY    R     |    |      R: reader, room centre (19.25, 4)
//	|         +--------------+    | 1.0
//	+-----------------------------+ 0.1   S03
var bay = &rtlsv1.Zone{Id: "BAY-S03", Name: "bed bay", LevelId: "L0", Category: "bed_bay",
	Polygon: []*rtlsv1.Point{{X: 17.5, Y: 1}, {X: 21, Y: 1}, {X: 21, Y: 7}, {X: 17.5, Y: 7}}}

// TestEventsZoneRemoved deletes a drawn zone while a tag is inside: the
// tag gets EXIT with trigger zone_removed.
//
// Drawn zones get the default ENTER/EXIT (no rule) like rooms, whatever
// the rules: the deletion closes the default ENTER with an EXIT without
// rule and, with an ENTER rule on the zone's category, the rule's ENTER
// with an EXIT under that rule. The tag's room events go on unchanged.
func TestEventsZoneRemoved(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		rule  *rtlsv1.Rule // nil: no rule on the zone
		enter string       // the tag's ENTER to wait for before deleting
		want  string       // the tag's whole stream
	}{
		{"enter rule", &rtlsv1.Rule{Id: "bay-enter", EventType: rtlsv1.Rule_ENTER, Enabled: true,
			Target: &rtlsv1.Rule_Group{Group: &rtlsv1.ZoneGroup{Category: "bed_bay"}}},
			"BAY-S03", "ENTER BAY-S03, ENTER BAY-S03 [bay-enter], ENTER L0-S03, EXIT BAY-S03, EXIT BAY-S03 [bay-enter]"},
		{"no rule", nil, "L0-S03",
			"ENTER BAY-S03, ENTER L0-S03, EXIT BAY-S03, EXIT L0-S03, ENTER L0-COR, EXIT L0-COR, ENTER L0-S04"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rs := redistest.StartServer(t)
			s, _ := startWith(t, eventsConfig(rs.URL(), 2*time.Second))
			cc := dial(t, s)
			fence := rtlsv1.NewGeofenceServiceClient(cc)
			ctx := context.Background()
			if _, err := fence.CreateZone(ctx, &rtlsv1.CreateZoneRequest{Zone: bay}); err != nil {
				t.Fatalf("CreateZone: %v", err)
			}
			if tc.rule != nil {
				if _, err := fence.CreateRule(ctx, &rtlsv1.CreateRuleRequest{Rule: tc.rule}); err != nil {
					t.Fatalf("CreateRule: %v", err)
				}
			}
			plan := loadClinic(t)
			const tag = "ZONE-1"
			sc := script{}
			sc.stay(t, plan, tag, "L0-S03", 10)
			stayEnd := len(sc[tag])
			sc.walk(t, plan, tag, "L0-S03", "L0-S04")
			sc.stay(t, plan, tag, "L0-S04", 8)

			w := watchEvents(t, cc, "0", tagFilter(tag))
			// The deletion happens at the newest position the pipeline
			// has seen (its clock stands still), after the tag's ENTER.
			f := newFeeder(t, s, plan)
			f.play(sc, 0, stayEnd)
			got, err := w.until(t, func(e *rtlsv1.Event) bool {
				return is(rtlsv1.EventType_ENTER, tc.enter)(e) && e.RuleId == tc.rule.GetId()
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := fence.DeleteZone(ctx, &rtlsv1.DeleteZoneRequest{Id: bay.Id}); err != nil {
				t.Fatalf("DeleteZone: %v", err)
			}
			exits, err := w.until(t, func(e *rtlsv1.Event) bool {
				return e.Type == rtlsv1.EventType_EXIT && e.ZoneId == bay.Id && e.RuleId == tc.rule.GetId()
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range exits {
				if e.Type == rtlsv1.EventType_ENTER && e.ZoneId != bay.Id { // the room's, before the deletion
					continue
				}
				if e.Type != rtlsv1.EventType_EXIT || e.ZoneId != bay.Id || e.Trigger != "zone_removed" {
					t.Fatalf("after DeleteZone: %s %s trigger %q rule %q, want EXIT %s trigger zone_removed",
						e.Type, e.ZoneId, e.Trigger, e.RuleId, bay.Id)
				}
			}
			got = append(got, exits...)
			if tc.rule == nil { // room events go on
				f.play(sc, stayEnd, len(sc[tag]))
				rest, err := w.until(t, is(rtlsv1.EventType_ENTER, "L0-S04"))
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, rest...)
			}
			checkOrdered(t, got)
			if all := listAll(t, cc, tagFilter(tag)); describeRules(all) != tc.want {
				t.Fatalf("stream for the tag:\n got %s\nwant %s", describeRules(all), tc.want)
			}
		})
	}
}

// describeRules renders events as describe does, with the rule of rule
// events: "ENTER BAY-S03, ENTER BAY-S03 [bay-enter]".
func describeRules(evs []*rtlsv1.Event) string {
	parts := make([]string, len(evs))
	for i, e := range evs {
		parts[i] = describe(evs[i : i+1])
		if e.RuleId != "" {
			parts[i] += " [" + e.RuleId + "]"
		}
	}
	return strings.Join(parts, ", ")
}

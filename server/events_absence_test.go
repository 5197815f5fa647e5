package server

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/hospitalrtls/rtls/internal/redistest"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// TestEventsAbsence: with an ABSENCE rule of 2 s (no target: wherever a
// tag was last seen), tag A is heard for 5 s in S03 and goes silent; tag B
// is heard 5 s longer in S05. The pipeline ticks the geofence with its
// clock's watermark, so each silence fires once the test has moved the
// clock past it, a second at a time. B's ABSENCE comes more than two durations after A's: by then a
// repeated ABSENCE of A would have fired. Each tag gets exactly one, for
// the room it was last seen in.
func TestEventsAbsence(t *testing.T) {
	t.Parallel()
	rs := redistest.StartServer(t)
	clk := newTestClock()
	cfg := eventsConfig(rs.URL(), 2*time.Second)
	cfg.Clock = clk.Now
	s, _ := startWith(t, cfg)
	cc := dial(t, s)
	rule := &rtlsv1.Rule{Id: "gone", EventType: rtlsv1.Rule_ABSENCE, Duration: durationpb.New(2 * time.Second), Enabled: true}
	if _, err := rtlsv1.NewGeofenceServiceClient(cc).CreateRule(context.Background(), &rtlsv1.CreateRuleRequest{Rule: rule}); err != nil {
		t.Fatalf("CreateRule: %v", err)
	}
	plan := loadClinic(t)
	sc := script{}
	sc.stay(t, plan, "GONE-A", "L0-S03", 5)
	sc.stay(t, plan, "GONE-B", "L0-S05", 10)
	w := watchEvents(t, cc, "0", &rtlsv1.EventFilter{Types: []rtlsv1.EventType{rtlsv1.EventType_ABSENCE}})
	f := newFeeder(t, s, plan)
	f.play(sc, 0, len(sc["GONE-B"]))
	// Past B's silence (the script, then the duration), the lateness and
	// the feeder's two seconds of lead, with a second to spare.
	for range len(sc["GONE-B"]) + 2 + 3 + 2 + 1 {
		clk.advance(t, time.Second)
	}
	got, err := w.until(t, func(e *rtlsv1.Event) bool { return e.TagId == "GONE-B" })
	if err != nil {
		t.Fatal(err)
	}
	all := listAll(t, cc, &rtlsv1.EventFilter{Types: []rtlsv1.EventType{rtlsv1.EventType_ABSENCE}})
	if len(got) != 2 || len(all) != 2 {
		t.Fatalf("ABSENCE events: watched %d, stream %d; want one for A, then one for B", len(got), len(all))
	}
	for i, want := range []struct{ tag, zone string }{{"GONE-A", "L0-S03"}, {"GONE-B", "L0-S05"}} {
		e := all[i]
		if e.TagId != want.tag || e.ZoneId != want.zone || e.RuleId != rule.Id || e.Trigger != "absence" {
			t.Errorf("ABSENCE %d: tag %s zone %s rule %q trigger %q; want tag %s zone %s rule gone trigger absence",
				i, e.TagId, e.ZoneId, e.RuleId, e.Trigger, want.tag, want.zone)
		}
	}
	if a, b := all[0].Time.AsTime(), all[1].Time.AsTime(); b.Sub(a) <= 2*rule.Duration.AsDuration() {
		t.Fatalf("B's ABSENCE %v after A's: the test needs more than two durations between them", b.Sub(a))
	}
}

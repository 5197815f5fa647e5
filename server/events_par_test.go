package server

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/hospitalrtls/rtls/internal/redistest"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// TestEventsPar keeps at least two assets in the storage room S00 (a PAR
// rule), with three pumps and a nurse (not counted) there at first. Pump 1
// leaves for S01 (count 2: nothing), pump 2 follows (count 1: BELOW_PAR),
// pump 1 comes back (count 2: PAR_RESTORED). Each fires exactly once.
func TestEventsPar(t *testing.T) {
	t.Parallel()
	rs := redistest.StartServer(t)
	s, _ := startWith(t, eventsConfig(rs.URL(), 2*time.Second))
	cc := dial(t, s)
	ctx := context.Background()
	reg := rtlsv1.NewTagRegistryServiceClient(cc)
	tags := []*rtlsv1.Tag{
		{Id: "PUMP-1", Class: rtlsv1.TagClass_ASSET, Type: "infusion_pump"},
		{Id: "PUMP-2", Class: rtlsv1.TagClass_ASSET, Type: "infusion_pump"},
		{Id: "PUMP-3", Class: rtlsv1.TagClass_ASSET, Type: "infusion_pump"},
		{Id: "NURSE-1", Class: rtlsv1.TagClass_STAFF, Type: "nurse"},
	}
	for _, tag := range tags {
		if _, err := reg.PutTag(ctx, &rtlsv1.PutTagRequest{Tag: tag}); err != nil {
			t.Fatalf("PutTag: %v", err)
		}
	}
	plan := loadClinic(t)
	const settle = 12 // all four in S00
	sc := script{}
	sc.stay(t, plan, "PUMP-1", "L0-S00", settle)
	sc.walk(t, plan, "PUMP-1", "L0-S00", "L0-S01")
	sc.stay(t, plan, "PUMP-1", "L0-S01", 4)
	sc.walk(t, plan, "PUMP-1", "L0-S01", "L0-S00")
	end := len(sc["PUMP-1"]) + 6
	sc.stay(t, plan, "PUMP-1", "L0-S00", 6)
	sc.stay(t, plan, "PUMP-2", "L0-S00", settle+4)
	sc.walk(t, plan, "PUMP-2", "L0-S00", "L0-S01")
	sc.stay(t, plan, "PUMP-2", "L0-S01", end-len(sc["PUMP-2"]))
	sc.stay(t, plan, "PUMP-3", "L0-S00", end)
	sc.stay(t, plan, "NURSE-1", "L0-S00", end)

	moves := watchEvents(t, cc, "0", tagFilter("PUMP-1", "PUMP-2", "PUMP-3", "NURSE-1"))
	par := watchEvents(t, cc, "0", par2filter())
	f := newFeeder(t, s, plan)
	f.play(sc, 0, settle)
	entered := map[string]bool{}
	if _, err := moves.until(t, func(e *rtlsv1.Event) bool {
		entered[e.TagId] = entered[e.TagId] || (e.Type == rtlsv1.EventType_ENTER && e.ZoneId == "L0-S00")
		return len(entered) == len(tags)
	}); err != nil {
		t.Fatal(err)
	}
	rule := &rtlsv1.Rule{Id: "pumps-par", EventType: rtlsv1.Rule_PAR, Target: &rtlsv1.Rule_ZoneId{ZoneId: "L0-S00"},
		TagClass: rtlsv1.TagClass_ASSET, MinCount: 2, Enabled: true, Duration: durationpb.New(2 * time.Second)}
	if _, err := rtlsv1.NewGeofenceServiceClient(cc).CreateRule(ctx, &rtlsv1.CreateRuleRequest{Rule: rule}); err != nil {
		t.Fatalf("CreateRule: %v", err)
	}
	f.play(sc, settle, end)
	got, err := par.until(t, is(rtlsv1.EventType_PAR_RESTORED, "L0-S00"))
	if err != nil {
		t.Fatal(err)
	}
	checkOrdered(t, got)
	all := listAll(t, cc, par2filter())
	if len(all) != 2 || len(got) != 2 {
		t.Fatalf("PAR events: watched %s, stream %s; want BELOW_PAR then PAR_RESTORED, once each", describe(got), describe(all))
	}
	for i, want := range []struct {
		typ   rtlsv1.EventType
		count int32
	}{{rtlsv1.EventType_BELOW_PAR, 1}, {rtlsv1.EventType_PAR_RESTORED, 2}} {
		e := all[i]
		if e.Type != want.typ || e.Count != want.count || e.RuleId != rule.Id || e.Trigger != "count" {
			t.Errorf("PAR event %d: %s count %d rule %q trigger %q; want %s count %d rule %s trigger count",
				i, e.Type, e.Count, e.RuleId, e.Trigger, want.typ, want.count, rule.Id)
		}
	}
}

// par2filter selects BELOW_PAR and PAR_RESTORED events.
func par2filter() *rtlsv1.EventFilter {
	return &rtlsv1.EventFilter{Types: []rtlsv1.EventType{rtlsv1.EventType_BELOW_PAR, rtlsv1.EventType_PAR_RESTORED}}
}

package server

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/internal/sim"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/rfid"
)

// playMarked posts second i of the script like play, with mark applied to
// every sighting of tag first; repeat > 0 posts the batches that many
// more times without a sequence number (a gateway reporting again: the
// reader front does not deduplicate them).
func (f *feeder) playMarked(sc script, i int, tag string, mark func(*rfid.WireSighting), repeat int) {
	f.t.Helper()
	var placed []sim.Placed
	for id, steps := range sc {
		if i < len(steps) {
			placed = append(placed, sim.Placed{Tag: id, Step: steps[i]})
		}
	}
	batches := f.sim.Batches(f.base+int64(i)*1000+100, placed)
	for _, b := range batches {
		for j := range b.Sightings {
			if b.Sightings[j].Tag == tag {
				mark(&b.Sightings[j])
			}
		}
	}
	for r := 0; r <= repeat; r++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := f.sender.Send(ctx, batches)
		cancel()
		if err != nil {
			f.t.Fatalf("second %d: %v", i, err)
		}
		for k := range batches {
			batches[k].Seq = 0
		}
	}
}

// TestDuressOncePerPress holds a staff tag's button for four seconds,
// heard by every reader near it, with one second reported twice more by a
// gateway; releases it for twelve seconds and presses again. Over real
// CoAP, Redis and WatchEvents it gets exactly two DURESS, in the tag's
// room. The server's clock stands still (eventsConfig), before the press:
// the first DURESS reaches the watch with no event time passing at all,
// while the engine has not finalised the epoch of the press (the tag's
// stored location is older than the press, or not written yet), so it
// waits neither for the engine's lateness nor for the watermark.
func TestDuressOncePerPress(t *testing.T) {
	t.Parallel()
	rs := redistest.StartServer(t)
	s, _ := startWith(t, eventsConfig(rs.URL(), time.Second))
	cc := dial(t, s)
	ctx := context.Background()
	if _, err := rtlsv1.NewTagRegistryServiceClient(cc).PutTag(ctx, &rtlsv1.PutTagRequest{Tag: &rtlsv1.Tag{Id: "NURSE-1", Class: rtlsv1.TagClass_STAFF, Type: "nurse"}}); err != nil {
		t.Fatal(err)
	}
	plan := loadClinic(t)
	sc := script{}
	sc.stay(t, plan, "NURSE-1", "L0-S02", 30)
	duress := watchEvents(t, cc, "0", &rtlsv1.EventFilter{Types: []rtlsv1.EventType{rtlsv1.EventType_DURESS, rtlsv1.EventType_LOW_BATTERY}})
	f := newFeeder(t, s, plan)
	f.play(sc, 0, 8)
	press := func(w *rfid.WireSighting) { w.Button = true }

	f.playMarked(sc, 8, "NURSE-1", press, 0)
	got, err := duress.until(t, func(e *rtlsv1.Event) bool { return e.Type == rtlsv1.EventType_DURESS })
	if err != nil {
		t.Fatal(err)
	}
	first := got[len(got)-1]
	pressTS := f.base + 8100
	loc, err := rtlsv1.NewLocationServiceClient(cc).GetLocation(ctx, &rtlsv1.GetLocationRequest{TagId: "NURSE-1"})
	switch {
	case status.Code(err) == codes.NotFound: // not even written yet: the DURESS did not wait for it
	case err != nil:
		t.Fatal(err)
	case loc.UpdatedAt.AsTime().UnixMilli() >= pressTS:
		t.Errorf("the stored location (%d) is not older than the press (%d): the DURESS waited for the engine", loc.UpdatedAt.AsTime().UnixMilli(), pressTS)
	}
	if first.TagId != "NURSE-1" || first.ZoneId != "L0-S02" || first.LevelId != "L0" || first.Time.AsTime().UnixMilli() != pressTS ||
		first.TagClass != rtlsv1.TagClass_STAFF || first.Trigger != "button" {
		t.Errorf("DURESS %v, want NURSE-1 in L0-S02 on L0 at the press, class STAFF, trigger button", first)
	}

	f.playMarked(sc, 9, "NURSE-1", press, 2) // reported three times
	f.playMarked(sc, 10, "NURSE-1", press, 0)
	f.playMarked(sc, 11, "NURSE-1", press, 0)
	f.play(sc, 12, 24) // released
	f.playMarked(sc, 24, "NURSE-1", press, 0)
	f.playMarked(sc, 25, "NURSE-1", press, 0)
	// a battery report after everything else: once it is in the stream,
	// every earlier report was handled
	f.playMarked(sc, 26, "NURSE-1", func(w *rfid.WireSighting) { pct := 9.0; w.Battery = &pct }, 0)
	if _, err := duress.until(t, func(e *rtlsv1.Event) bool { return e.Type == rtlsv1.EventType_LOW_BATTERY }); err != nil {
		t.Fatal(err)
	}
	all := listAll(t, cc, &rtlsv1.EventFilter{Types: []rtlsv1.EventType{rtlsv1.EventType_DURESS}})
	if len(all) != 2 || all[0].Id != first.Id || all[1].Time.AsTime().UnixMilli() != f.base+24_100 {
		t.Fatalf("DURESS in the stream: %v, want the first press (id %s) and one at second 24", all, first.Id)
	}
	low := listAll(t, cc, &rtlsv1.EventFilter{Types: []rtlsv1.EventType{rtlsv1.EventType_LOW_BATTERY}})
	if len(low) != 1 || low[0].Count != 9 || low[0].ZoneId != "L0-S02" {
		t.Errorf("LOW_BATTERY %v, want one at 9%% in L0-S02", low)
	}
	lb, err := rtlsv1.NewAssetServiceClient(cc).ListLowBattery(ctx, &rtlsv1.ListLowBatteryRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(lb.Assets) != 1 || lb.Assets[0].Tag.GetId() != "NURSE-1" || lb.Assets[0].BatteryPercent != 9 ||
		lb.Assets[0].Tag.GetClass() != rtlsv1.TagClass_STAFF || lb.Assets[0].Location.GetRoomId() != "L0-S02" {
		t.Errorf("ListLowBattery %v, want NURSE-1 at 9%% with its registry entry and location", lb.Assets)
	}
}

// TestLowBatteryAcrossRestart reports 10 % (LOW_BATTERY), restarts rtlsd
// on the same Redis, then 12 %, 30 % and 15 %: the stored level keeps the
// tag low across the restart, so 12 % does not fire again; 30 % re-arms
// (20 + 5) and 15 % fires the second crossing.
func TestLowBatteryAcrossRestart(t *testing.T) {
	t.Parallel()
	rs := redistest.StartServer(t)
	s1, stop1 := startWith(t, eventsConfig(rs.URL(), time.Second))
	plan := loadClinic(t)
	sc := script{}
	sc.stay(t, plan, "PUMP-1", "L0-S02", 12)
	low := &rtlsv1.EventFilter{Types: []rtlsv1.EventType{rtlsv1.EventType_LOW_BATTERY}}
	w1 := watchEvents(t, dial(t, s1), "0", low)
	f := newFeeder(t, s1, plan)
	battery := func(pct float64) func(*rfid.WireSighting) {
		return func(w *rfid.WireSighting) { w.Battery = &pct }
	}
	f.play(sc, 0, 5)
	f.playMarked(sc, 5, "PUMP-1", battery(10), 0)
	if _, err := w1.until(t, func(*rtlsv1.Event) bool { return true }); err != nil {
		t.Fatal(err)
	}
	stop1()

	s2, _ := startWith(t, eventsConfig(rs.URL(), time.Second))
	cc2 := dial(t, s2)
	w2 := watchEvents(t, cc2, "0", low)
	f.connect(s2)
	f.playMarked(sc, 6, "PUMP-1", battery(12), 0)
	f.playMarked(sc, 7, "PUMP-1", battery(30), 0)
	f.playMarked(sc, 8, "PUMP-1", battery(15), 0)
	got, err := w2.until(t, func(e *rtlsv1.Event) bool { return e.Count == 15 })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Count != 10 || got[0].Time.AsTime().UnixMilli() != f.base+5100 || got[1].Time.AsTime().UnixMilli() != f.base+8100 {
		t.Errorf("LOW_BATTERY across the restart: %v, want 10 %% at second 5, then 15 %% at second 8 only", got)
	}
}

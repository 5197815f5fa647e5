package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/demo"
	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// TestAssetStatusFromLocation runs rtlsd on the demo ward with Redis: a
// pump set AVAILABLE through the API stays in patient room L0-P04 past the
// in-use dwell (IN_USE), walks into the soiled utility room L0-SOIL
// (SOILED) and falls silent (MISSING after the absence threshold). Each
// change is a STATUS_CHANGED event on the stream and a step of the status
// history; the registry entry ends MISSING.
func TestAssetStatusFromLocation(t *testing.T) {
	t.Parallel() // its own Redis and ports: overlapped with the rest to keep make test short
	rs := redistest.StartServer(t)
	planPath := filepath.Join(t.TempDir(), "ward.geojson")
	if err := os.WriteFile(planPath, demo.Floorplan(), 0o600); err != nil {
		t.Fatal(err)
	}
	clk := newTestClock()
	cfg := eventsConfig(rs.URL(), time.Second)
	cfg.Clock = clk.Now
	cfg.Floorplans = []string{planPath}
	cfg.Status = geofence.DefaultStatusRules()
	cfg.Status.InUseDwell = 5 * time.Second
	cfg.Status.Absence = 2 * time.Second
	s, stop := startWith(t, cfg)
	cc := dial(t, s)
	ctx := context.Background()
	reg := rtlsv1.NewTagRegistryServiceClient(cc)
	const tag = "PUMP-77"
	if _, err := reg.PutTag(ctx, &rtlsv1.PutTagRequest{Tag: &rtlsv1.Tag{Id: tag, Class: rtlsv1.TagClass_ASSET,
		Type: "infusion_pump", Status: rtlsv1.AssetStatus_AVAILABLE, UnitId: "4W", Serial: "SN-77"}}); err != nil {
		t.Fatal(err)
	}
	plan, err := floorplans.Parse(demo.Floorplan(), "ward")
	if err != nil {
		t.Fatal(err)
	}
	sc := script{}
	sc.stay(t, plan, tag, "L0-P04", 8)
	sc.walk(t, plan, tag, "L0-P04", "L0-SOIL")
	sc.stay(t, plan, tag, "L0-SOIL", 12) // the room filter reports SOIL some seconds after the door

	w := watchEvents(t, cc, "0", tagFilter(tag))
	f := newFeeder(t, s, plan)
	f.play(sc, 0, len(sc[tag]))
	// The script is posted at once, stamped ahead of the server's clock:
	// MISSING comes once the test moves the clock (the watermark) past its
	// end by the absence threshold (plus the lateness and the feeder's
	// lead).
	got, err := w.until(t, func(e *rtlsv1.Event) bool { return e.Status == rtlsv1.AssetStatus_SOILED })
	if err != nil {
		t.Fatal(err)
	}
	clk.advance(t, time.Duration(len(sc[tag])+2+3+2+1)*time.Second)
	got = append(got, untilStatus(t, w, rtlsv1.AssetStatus_MISSING, eventTimeout)...)
	want := "AVAILABLE@ (api), IN_USE@L0-P04 (in_use_dwell), SOILED@L0-SOIL (soiled_room), MISSING@L0-SOIL (absence)"
	if statuses(got) != want {
		t.Fatalf("status events:\n got %s\nwant %s", statuses(got), want)
	}
	hist, err := reg.ListStatusHistory(ctx, &rtlsv1.ListStatusHistoryRequest{TagId: tag})
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, c := range hist.Changes {
		steps = append(steps, fmt.Sprintf("%v>%v (%s)", c.Previous, c.Status, c.Source))
	}
	wantHist := "SOILED>MISSING (absence), IN_USE>SOILED (soiled_room), AVAILABLE>IN_USE (in_use_dwell), ASSET_STATUS_UNSPECIFIED>AVAILABLE (api)"
	if strings.Join(steps, ", ") != wantHist {
		t.Fatalf("status history:\n got %s\nwant %s", strings.Join(steps, ", "), wantHist)
	}
	stored, err := reg.GetTag(ctx, &rtlsv1.GetTagRequest{Id: tag})
	if err != nil {
		t.Fatal(err)
	}
	if stored.Status != rtlsv1.AssetStatus_MISSING || !stored.StatusChangedAt.AsTime().Equal(hist.Changes[0].Time.AsTime()) {
		t.Fatalf("stored tag %v, want MISSING since %v", stored, hist.Changes[0].Time.AsTime())
	}
	// a restart against the same Redis keeps the status and the history
	stop()
	s2, _ := startWith(t, cfg)
	reg2 := rtlsv1.NewTagRegistryServiceClient(dial(t, s2))
	if again, err := reg2.GetTag(ctx, &rtlsv1.GetTagRequest{Id: tag}); err != nil || !proto.Equal(again, stored) {
		t.Fatalf("after restart: %v, %v; want %v", again, err, stored)
	}
	if again, err := reg2.ListStatusHistory(ctx, &rtlsv1.ListStatusHistoryRequest{TagId: tag}); err != nil || !proto.Equal(again, hist) {
		t.Fatalf("history after restart: %v, %v; want %v", again, err, hist)
	}
	// SOILED took effect at the entry into L0-SOIL, within the script
	if ts := hist.Changes[1].Time.AsTime().UnixMilli(); ts < f.epoch(sc.firstIn(tag, "L0-SOIL", 0)-1) || ts > f.epoch(len(sc[tag])) {
		t.Errorf("SOILED at second %d, the tag reached L0-SOIL at second %d", (ts-f.epoch(0))/1000, sc.firstIn(tag, "L0-SOIL", 0))
	}
}

// statuses renders the STATUS_CHANGED events of evs: "SOILED@L0-SOIL (soiled_room)".
func statuses(evs []*rtlsv1.Event) string {
	var out []string
	for _, e := range evs {
		if e.Type == rtlsv1.EventType_STATUS_CHANGED {
			out = append(out, fmt.Sprintf("%v@%s (%s)", e.Status, e.ZoneId, e.Trigger))
		}
	}
	return strings.Join(out, ", ")
}

// untilStatus collects events until a STATUS_CHANGED to status, failing
// the test after wait.
func untilStatus(t *testing.T, w *watcher, status rtlsv1.AssetStatus, wait time.Duration) []*rtlsv1.Event {
	t.Helper()
	var got []*rtlsv1.Event
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case e, ok := <-w.events:
			if !ok {
				t.Fatalf("watch ended: %v", <-w.done)
			}
			if got = append(got, e); e.Type == rtlsv1.EventType_STATUS_CHANGED && e.Status == status {
				return got
			}
		case <-timer.C:
			t.Fatalf("no change to %v within %v; got %s", status, wait, describe(got))
		}
	}
}

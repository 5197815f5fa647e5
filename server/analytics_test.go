package server

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/hospitalrtls/rtls/internal/redistest"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// TestAnalyticsMatchTrails walks five tags S02 → S05 through the server on
// a real redis-server and checks that AnalyticsService's dwell and
// transitions by room equal those computed directly from the tags' closed
// visits (GetTrail): the pipeline aggregates exactly the visits it closes.
func TestAnalyticsMatchTrails(t *testing.T) {
	t.Parallel()
	rs := redistest.StartServer(t)
	cfg := eventsConfig(rs.URL(), 2*time.Second)
	s, _ := startWith(t, cfg)
	cc := dial(t, s)
	plan := loadClinic(t)
	var tags []string
	sc := script{}
	for i := range 5 {
		tag := fmt.Sprintf("FLOW-%d", i)
		tags = append(tags, tag)
		sc.stay(t, plan, tag, "L0-S02", 5)
		sc.walk(t, plan, tag, "L0-S02", "L0-S05")
		sc.stay(t, plan, tag, "L0-S05", 6)
	}
	w := watchEvents(t, cc, "0", tagFilter(tags...))
	longest := 0
	for _, steps := range sc {
		longest = max(longest, len(steps))
	}
	newFeeder(t, s, plan).play(sc, 0, longest)
	entered := 0
	if _, err := w.until(t, func(e *rtlsv1.Event) bool {
		if defaultEnter("L0-S05")(e) {
			entered++
		}
		return entered == len(tags)
	}); err != nil {
		t.Fatal(err)
	}

	// Brute force over the trails' closed visits.
	type dwell struct {
		n   int64
		sum int64
	}
	dwells, moves := map[string]*dwell{}, map[string]int64{}
	for _, tag := range tags {
		tr := getTrail(t, cc, tag)
		for i, v := range tr.Visits {
			if i > 0 && tr.Visits[i-1].RoomId != v.RoomId {
				moves[tr.Visits[i-1].RoomId+">"+v.RoomId]++
			}
			if v.LeftAt == nil {
				continue
			}
			if dwells[v.RoomId] == nil {
				dwells[v.RoomId] = &dwell{}
			}
			dwells[v.RoomId].n++
			dwells[v.RoomId].sum += v.LeftAt.AsTime().UnixMilli() - v.EnteredAt.AsTime().UnixMilli()
		}
	}
	c := rtlsv1.NewAnalyticsServiceClient(cc)
	scope := &rtlsv1.AnalyticsScope{From: timestamppb.New(clockStart.Add(-time.Hour)), To: timestamppb.New(clockStart.Add(time.Hour))}
	d, err := c.Dwell(context.Background(), &rtlsv1.DwellRequest{Scope: scope})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Rows) != len(dwells) || len(dwells) == 0 {
		t.Fatalf("dwell rows %v, brute force %d rooms", d.Rows, len(dwells))
	}
	for _, r := range d.Rows {
		b := dwells[r.Key]
		if b == nil || r.Suppressed || r.Visits != b.n || r.DistinctTags != int64(len(tags)) ||
			math.Abs(r.MeanS-float64(b.sum)/float64(b.n)/1000) > 1e-9 {
			t.Errorf("dwell %s: %v, brute force %+v", r.Key, r, b)
		}
	}
	tr, err := c.Transitions(context.Background(), &rtlsv1.TransitionsRequest{Scope: scope})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Rows) != len(moves) {
		t.Fatalf("transition rows %v, brute force %v", tr.Rows, moves)
	}
	for _, r := range tr.Rows {
		if r.Count != moves[r.FromKey+">"+r.ToKey] || r.Suppressed {
			t.Errorf("transition %s > %s: %d, brute force %d", r.FromKey, r.ToKey, r.Count, moves[r.FromKey+">"+r.ToKey])
		}
	}
}

// TestAnalyticsAcrossRestart walks five tags S02 → COR → S05 and restarts
// rtlsd (same real redis-server) while they are in the corridor: the
// visits open at the restart carry on from the restored geofence state
// (and the aggregator from them, Aggregator.Restore), so each trail reads
// S02, COR, S05 with COR entered before the restart and left after it,
// and Transitions counts the moves exactly as the trails show them. (The
// order of records in which the aggregator depends on Restore is shown
// by geofence's TestOpenVisitsAfterRestore and analytics' TestRestore.)
func TestAnalyticsAcrossRestart(t *testing.T) {
	t.Parallel()
	rs := redistest.StartServer(t)
	s1, stop1 := startWith(t, eventsConfig(rs.URL(), 2*time.Second))
	plan := loadClinic(t)
	var tags []string
	sc := script{}
	for i := range 5 {
		tag := fmt.Sprintf("FLOW-R%d", i)
		tags = append(tags, tag)
		sc.stay(t, plan, tag, "L0-S02", 8)
		sc.walk(t, plan, tag, "L0-S02", "L0-S05")
		sc.stay(t, plan, tag, "L0-S05", 8)
	}
	cut := sc.firstIn(tags[0], "L0-COR", 0) + 12 // well inside the corridor: the room filter (location/roomfilter.go) reports COR some seconds after the door, then debounce
	if cut >= sc.firstIn(tags[0], "L0-S05", 0) {
		t.Fatalf("the corridor of the walk is too short to stop in")
	}
	countEntries := func(w *watcher, room string) {
		t.Helper()
		n := 0
		if _, err := w.until(t, func(e *rtlsv1.Event) bool {
			if is(rtlsv1.EventType_ENTER, room)(e) {
				n++
			}
			return n == len(tags)
		}); err != nil {
			t.Fatal(err)
		}
	}
	w1 := watchEvents(t, dial(t, s1), "0", tagFilter(tags...))
	f := newFeeder(t, s1, plan)
	f.play(sc, 0, cut)
	countEntries(w1, "L0-COR")
	restart := f.epoch(cut)
	stop1()

	s2, _ := startWith(t, eventsConfig(rs.URL(), 2*time.Second))
	cc := dial(t, s2)
	w2 := watchEvents(t, cc, "0", tagFilter(tags...))
	f.connect(s2)
	f.play(sc, cut, len(sc[tags[0]]))
	countEntries(w2, "L0-S05")

	moves := map[string]int64{}
	for _, tag := range tags {
		tr := getTrail(t, cc, tag)
		var rooms []string
		for i, v := range tr.Visits {
			rooms = append(rooms, v.RoomId)
			if i > 0 {
				moves[tr.Visits[i-1].RoomId+">"+v.RoomId]++
			}
			if v.RoomId == "L0-COR" && (v.EnteredAt.AsTime().UnixMilli() >= restart || v.LeftAt == nil || v.LeftAt.AsTime().UnixMilli() < restart) {
				t.Errorf("%s: the corridor visit %v does not span the restart at %d", tag, v, restart)
			}
		}
		if fmt.Sprint(rooms) != "[L0-S02 L0-COR L0-S05]" {
			t.Fatalf("%s: trail %v", tag, rooms)
		}
	}
	c := rtlsv1.NewAnalyticsServiceClient(cc)
	scope := &rtlsv1.AnalyticsScope{From: timestamppb.New(clockStart.Add(-time.Hour)), To: timestamppb.New(clockStart.Add(time.Hour))}
	tr, err := c.Transitions(context.Background(), &rtlsv1.TransitionsRequest{Scope: scope})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, r := range tr.Rows {
		got[r.FromKey+">"+r.ToKey] = r.Count
	}
	if fmt.Sprint(got) != fmt.Sprint(moves) || got["L0-COR>L0-S05"] != int64(len(tags)) {
		t.Fatalf("transitions across the restart %v, trails %v", got, moves)
	}
}

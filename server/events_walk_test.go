package server

import (
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/internal/redistest"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// TestEventsWalk walks a tag from S02 through the corridor to S05:
//
//	+------+------+------+------+
//	| S02  | S03  | S04  | S05  |   south rooms
//	+--  --+------+------+--  --+
//	|  '-------> COR -------'   |   corridor
//	+---------------------------+
//
// and expects, on a watch filtered to the tag, exactly ENTER S02, EXIT S02,
// ENTER COR, EXIT COR, ENTER S05, with increasing ids and event times, each
// transition at one time (a stay ends where the next begins).
func TestEventsWalk(t *testing.T) {
	t.Parallel()
	rs := redistest.StartServer(t)
	s, _ := startWith(t, eventsConfig(rs.URL(), 2*time.Second))
	cc := dial(t, s)
	plan := loadClinic(t)
	const tag = "WALK-1"
	sc := script{}
	sc.stay(t, plan, tag, "L0-S02", 8)
	sc.walk(t, plan, tag, "L0-S02", "L0-S05")
	sc.stay(t, plan, tag, "L0-S05", 8)

	w := watchEvents(t, cc, "0", tagFilter(tag))
	f := newFeeder(t, s, plan)
	f.play(sc, 0, len(sc[tag]))
	got, err := w.until(t, is(rtlsv1.EventType_ENTER, "L0-S05"))
	if err != nil {
		t.Fatal(err)
	}
	want := "ENTER L0-S02, EXIT L0-S02, ENTER L0-COR, EXIT L0-COR, ENTER L0-S05"
	if describe(got) != want {
		t.Fatalf("events of the walk:\n got %s\nwant %s", describe(got), want)
	}
	checkOrdered(t, got)
	for _, i := range []int{1, 3} { // EXIT then ENTER at the same time
		if !got[i].Time.AsTime().Equal(got[i+1].Time.AsTime()) {
			t.Errorf("%s at %v, %s at %v: want one time", describe(got[i:i+1]), got[i].Time.AsTime(), describe(got[i+1:i+2]), got[i+1].Time.AsTime())
		}
	}
	// Event times lie in the script: S02 entered within its stay, S05 not
	// before the tag got there.
	if ts := got[0].Time.AsTime().UnixMilli(); ts < f.epoch(0) || ts > f.epoch(7) {
		t.Errorf("ENTER S02 at second %d of the script, want within the stay (0..7)", (ts-f.epoch(0))/1000)
	}
	if ts := got[4].Time.AsTime().UnixMilli(); ts < f.epoch(sc.firstIn(tag, "L0-S05", 0)) {
		t.Errorf("ENTER S05 at second %d, before the tag reached S05 (second %d)", (ts-f.epoch(0))/1000, sc.firstIn(tag, "L0-S05", 0))
	}
	// The stream holds nothing else for the tag.
	if all := listAll(t, cc, tagFilter(tag)); describe(all) != want {
		t.Fatalf("stream for the tag: %s, want %s", describe(all), want)
	}
}

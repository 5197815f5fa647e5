package server

import (
	"errors"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/internal/redistest"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// TestEventsRestart stops rtlsd in the middle of a walk from S02 to S05,
// while the tag is in the corridor and a client watches, and starts it
// again on the same Redis. The client resumes with the last id it saw: the
// union of what it received is the stream, without gap or duplicate, and
// the walk goes on from the restored geofence state (EXIT COR, ENTER S05;
// no second ENTER COR).
func TestEventsRestart(t *testing.T) {
	t.Parallel()
	rs := redistest.StartServer(t)
	s1, stop1 := startWith(t, eventsConfig(rs.URL(), 2*time.Second))
	plan := loadClinic(t)
	const tag = "RESTART-1"
	sc := script{}
	sc.stay(t, plan, tag, "L0-S02", 8)
	sc.walk(t, plan, tag, "L0-S02", "L0-S05")
	sc.stay(t, plan, tag, "L0-S05", 8)
	cut := sc.firstIn(tag, "L0-COR", 0) + 12 // well inside the corridor: the room filter (location/roomfilter.go) reports COR some seconds after the door, then debounce
	if cut >= sc.firstIn(tag, "L0-S05", 0) {
		t.Fatalf("the corridor of the walk is too short to stop in: %d s", sc.firstIn(tag, "L0-S05", 0)-cut+8)
	}

	w1 := watchEvents(t, dial(t, s1), "0", tagFilter(tag))
	f := newFeeder(t, s1, plan)
	f.play(sc, 0, cut)
	before, err := w1.until(t, is(rtlsv1.EventType_ENTER, "L0-COR"))
	if err != nil {
		t.Fatal(err)
	}
	stop1()
	rest, err := w1.until(t, func(*rtlsv1.Event) bool { return false })
	if !errors.Is(err, errStreamEnded) {
		t.Fatalf("watch after stop: %v", err)
	}
	before = append(before, rest...)
	lastID := before[len(before)-1].Id

	s2, _ := startWith(t, eventsConfig(rs.URL(), 2*time.Second))
	cc2 := dial(t, s2)
	w2 := watchEvents(t, cc2, lastID, tagFilter(tag))
	f.connect(s2)
	f.play(sc, cut, len(sc[tag]))
	after, err := w2.until(t, is(rtlsv1.EventType_ENTER, "L0-S05"))
	if err != nil {
		t.Fatal(err)
	}

	union := append(append([]*rtlsv1.Event{}, before...), after...)
	want := "ENTER L0-S02, EXIT L0-S02, ENTER L0-COR, EXIT L0-COR, ENTER L0-S05"
	if describe(union) != want {
		t.Fatalf("events across the restart:\n got %s | %s\nwant %s", describe(before), describe(after), want)
	}
	checkOrdered(t, union)
	stream := listAll(t, cc2, tagFilter(tag))
	if len(stream) != len(union) {
		t.Fatalf("stream holds %d events (%s), the client received %d", len(stream), describe(stream), len(union))
	}
	for i := range stream {
		if stream[i].Id != union[i].Id || stream[i].Type != union[i].Type || stream[i].ZoneId != union[i].ZoneId {
			t.Errorf("event %d: stream has %s %s %s, client received %s %s %s", i,
				stream[i].Id, stream[i].Type, stream[i].ZoneId, union[i].Id, union[i].Type, union[i].ZoneId)
		}
	}
}

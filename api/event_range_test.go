package api

import (
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/hospitalrtls/rtls/internal/testlog"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/cursor"
	"github.com/hospitalrtls/rtls/store/memstore"
)

// TestWatchEventsAfterIDRange checks after_id against a memstore that kept
// the newest 10 of 30 events, with the server clock 1 s after the newest.
func TestWatchEventsAfterIDRange(t *testing.T) {
	st := memstore.New(memstore.Options{EventMaxLen: 10})
	t.Cleanup(func() { st.Close() })
	var all []string
	for i := range 30 {
		evs, err := st.Apply(t.Context(), store.Update{Events: eventsOf(i)})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, evs[0].ID)
	}
	first, _ := st.FirstEventID(t.Context())
	lastID, _ := st.LastEventID(t.Context())
	last, _ := cursor.ParseID(lastID)
	if first == all[0] || first == "0" {
		t.Fatalf("retention kept %q: nothing was trimmed", first)
	}
	srv, err := NewGRPCServer()
	if err != nil {
		t.Fatal(err)
	}
	es := NewEventServer(st, nil, testlog.Logger())
	es.block = 20 * time.Millisecond
	es.now = func() time.Time { return time.UnixMilli(int64(last.MS) + 1000) }
	srv.Register(&rtlsv1.EventService_ServiceDesc, es)
	events := rtlsv1.NewEventServiceClient(serveLoopback(t, srv))

	// watch opens a watch, and when it starts, appends two events and
	// reads one: the watch runs.
	watch := func(after string) error {
		stream, err := events.WatchEvents(testContext(t), &rtlsv1.WatchEventsRequest{AfterId: after})
		if err != nil {
			return err
		}
		if md, err := stream.Header(); err != nil || md == nil {
			_, err = stream.Recv() // ended before its headers
			return err
		}
		if _, err := st.Apply(t.Context(), store.Update{Events: append(eventsOf(1), eventsOf(2)...)}); err != nil {
			t.Fatal(err)
		}
		_, err = stream.Recv()
		return err
	}
	oldest := func() string { id, _ := st.FirstEventID(t.Context()); return id }
	fixed := func(id string) func() string { return func() string { return id } }
	// Cases that fail first: those that pass append events, and retention
	// moves the oldest retained one on.
	for _, tc := range []struct {
		name   string
		after  func() string
		code   codes.Code
		naming string
	}{
		{"in the future", fixed(cursor.ID{MS: last.MS + 60_000}.String()), codes.InvalidArgument, "after_id"},
		{"trimmed", fixed(all[0]), codes.OutOfRange, first},
		{"before every event", fixed("1-0"), codes.OutOfRange, first},
		{"from the oldest", fixed("0"), codes.OK, ""},
		{"the oldest retained", oldest, codes.OK, ""},
		{"the newest", fixed(lastID), codes.OK, ""},
		{"after the newest, not after the clock: lost", fixed(cursor.ID{MS: last.MS, Seq: last.Seq + 1}.String()), codes.OutOfRange, "lost events"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			after := tc.after()
			err := watch(after)
			if tc.code == codes.OK {
				if err != nil {
					t.Fatalf("after_id %s: %v", after, err)
				}
				return
			}
			wantStatus(t, err, tc.code, tc.naming)
		})
	}
}

// eventsOf returns one event whose tag is numbered i.
func eventsOf(i int) []geofence.Event {
	return []geofence.Event{{Type: geofence.Enter, Tag: fmt.Sprintf("T%d", i), Zone: "Z1", TS: int64(i + 1)}}
}

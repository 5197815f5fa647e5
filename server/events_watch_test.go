package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"

	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// watcher collects a WatchEvents stream.
type watcher struct {
	events chan *rtlsv1.Event
	done   chan error // the stream's end
	cancel context.CancelFunc
}

// watchEvents opens a watch and waits until the server fixed its start.
func watchEvents(t testing.TB, cc *grpc.ClientConn, afterID string, f *rtlsv1.EventFilter) *watcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stream, err := rtlsv1.NewEventServiceClient(cc).WatchEvents(ctx, &rtlsv1.WatchEventsRequest{AfterId: afterID, Filter: f})
	if err == nil {
		_, err = stream.Header()
	}
	if err != nil {
		cancel()
		t.Fatalf("WatchEvents: %v", err)
	}
	w := &watcher{events: make(chan *rtlsv1.Event, 1024), done: make(chan error, 1), cancel: cancel}
	go func() {
		for {
			e, err := stream.Recv()
			if err != nil {
				close(w.events)
				w.done <- err
				return
			}
			w.events <- e
		}
	}()
	t.Cleanup(cancel)
	return w
}

// errStreamEnded is returned by until when the stream ended first.
var errStreamEnded = errors.New("watch ended")

// until collects events until last returns true for one (included); it
// fails the test after eventTimeout, and returns errStreamEnded with the
// events so far when the stream ends first.
func (w *watcher) until(t testing.TB, last func(*rtlsv1.Event) bool) ([]*rtlsv1.Event, error) {
	t.Helper()
	var got []*rtlsv1.Event
	timer := time.NewTimer(eventTimeout)
	defer timer.Stop()
	for {
		select {
		case e, ok := <-w.events:
			if !ok {
				return got, fmt.Errorf("%w: %v", errStreamEnded, <-w.done)
			}
			got = append(got, e)
			if last(e) {
				return got, nil
			}
		case <-timer.C:
			t.Fatalf("no matching event within %v; got %s", eventTimeout, describe(got))
			return nil, nil
		}
	}
}

// is matches an event by type and zone.
func is(typ rtlsv1.EventType, zone string) func(*rtlsv1.Event) bool {
	return func(e *rtlsv1.Event) bool { return e.Type == typ && e.ZoneId == zone }
}

// describe renders events as "ENTER L0-S02, EXIT L0-S02".
func describe(evs []*rtlsv1.Event) string {
	parts := make([]string, len(evs))
	for i, e := range evs {
		parts[i] = e.Type.String() + " " + e.ZoneId
	}
	return strings.Join(parts, ", ")
}

// listAll returns every event of the stream the filter selects, in order.
func listAll(t testing.TB, cc *grpc.ClientConn, f *rtlsv1.EventFilter) []*rtlsv1.Event {
	t.Helper()
	c := rtlsv1.NewEventServiceClient(cc)
	var out []*rtlsv1.Event
	req := &rtlsv1.ListEventsRequest{Filter: f, PageSize: 1000}
	for {
		resp, err := c.ListEvents(context.Background(), req)
		if err != nil {
			t.Fatalf("ListEvents: %v", err)
		}
		out = append(out, resp.Events...)
		if resp.NextPageToken == "" {
			return out
		}
		req.PageToken = resp.NextPageToken
	}
}

// checkOrdered fails unless ids strictly increase and event times never go
// back.
func checkOrdered(t testing.TB, evs []*rtlsv1.Event) {
	t.Helper()
	for i := 1; i < len(evs); i++ {
		a, b := evs[i-1], evs[i]
		if !idBefore(a.Id, b.Id) {
			t.Errorf("event %d id %s not after %s", i, b.Id, a.Id)
		}
		if b.Time.AsTime().Before(a.Time.AsTime()) {
			t.Errorf("event %d (%s %s) at %v, before the previous one at %v", i, b.Type, b.ZoneId, b.Time.AsTime(), a.Time.AsTime())
		}
	}
}

// idBefore orders stream ids "<ms>-<seq>".
func idBefore(a, b string) bool {
	var ams, aseq, bms, bseq uint64
	if _, err := fmt.Sscanf(a, "%d-%d", &ams, &aseq); err != nil {
		return false
	}
	if _, err := fmt.Sscanf(b, "%d-%d", &bms, &bseq); err != nil {
		return false
	}
	return ams < bms || (ams == bms && aseq < bseq)
}

// tagFilter selects the events of some tags.
func tagFilter(tags ...string) *rtlsv1.EventFilter { return &rtlsv1.EventFilter{TagIds: tags} }

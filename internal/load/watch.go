package load

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"

	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// received is one event of the run's tags as the watch got it.
type received struct {
	typ  rtlsv1.EventType
	ts   int64     // event time, epoch ms
	at   time.Time // when the watch received it
	zone string
}

// watcher follows WatchEvents from the moment it started and keeps the
// events of the run's tags.
type watcher struct {
	prefix string
	done   chan error

	mu     sync.Mutex // guards events and others
	events []received
	others int // events of other tags
}

// watch opens the stream (new events only) and returns once the server
// has fixed its start.
func watch(ctx context.Context, cc *grpc.ClientConn, prefix string) (*watcher, error) {
	stream, err := rtlsv1.NewEventServiceClient(cc).WatchEvents(ctx, &rtlsv1.WatchEventsRequest{})
	if err == nil {
		_, err = stream.Header()
	}
	if err != nil {
		return nil, fmt.Errorf("load: WatchEvents: %w", err)
	}
	w := &watcher{prefix: prefix, done: make(chan error, 1)}
	go func() {
		for {
			e, err := stream.Recv()
			if err != nil {
				w.done <- err
				return
			}
			w.add(e, time.Now())
		}
	}()
	return w, nil
}

func (w *watcher) add(e *rtlsv1.Event, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !strings.HasPrefix(e.TagId, w.prefix) {
		w.others++
		return
	}
	w.events = append(w.events, received{typ: e.Type, ts: e.GetTime().AsTime().UnixMilli(), at: at, zone: e.ZoneId})
}

// snapshot returns the events so far.
func (w *watcher) snapshot() ([]received, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]received(nil), w.events...), w.others
}

// watchAlways follows WatchEvents like watch, and opens the stream again
// (new events only) a second after it ends, until ctx is done: rtlsd may
// restart during a soak.
func watchAlways(ctx context.Context, cc *grpc.ClientConn, prefix string, log *slog.Logger) *watcher {
	w := &watcher{prefix: prefix, done: make(chan error, 1)}
	go func() {
		for ctx.Err() == nil {
			stream, err := rtlsv1.NewEventServiceClient(cc).WatchEvents(ctx, &rtlsv1.WatchEventsRequest{})
			for err == nil {
				var e *rtlsv1.Event
				if e, err = stream.Recv(); err == nil {
					w.add(e, time.Now())
				}
			}
			if ctx.Err() == nil {
				log.Warn("load: event watch ended; reconnecting", "err", err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}()
	return w
}

package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/hospitalrtls/rtls/cmd/rtlsload/load"
	"github.com/hospitalrtls/rtls/cmd/rtlsload/walk"
	"github.com/hospitalrtls/rtls/floorplans"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// The event tests post whole scripted walks at once, stamped in the near
// future: the engine computes a tag's epochs as soon as its newest
// sighting is LatenessMS past them, and the geofence debounces over later
// positions, so nothing waits for the wall clock. (Stamps in the past do
// not work: every tick flushes the engine up to wall clock minus the
// lateness, and older sightings are then dropped as late.) The reader
// front accepts stamps up to a minute ahead, so a script lasts at most
// maxScript seconds.
const (
	maxScript    = 50
	eventTimeout = 30 * time.Second
)

// eventsConfig is rtlsd on the synthetic clinic with a fast tick.
func eventsConfig(redisURL string, debounce time.Duration) Config {
	return Config{Floorplans: []string{clinicPlan}, CoAPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0",
		RedisURL: redisURL, Site: "events", Tick: 50 * time.Millisecond, Debounce: debounce}
}

// startWith runs rtlsd in process; stop cancels it and waits for Serve to
// return (at most once; the test's cleanup calls it too).
func startWith(t testing.TB, cfg Config) (*Server, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, cfg, testLogger())
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
	t.Cleanup(stop)
	return s, stop
}

func dial(t testing.TB, s *Server) *grpc.ClientConn {
	t.Helper()
	cc, err := grpc.NewClient(s.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return cc
}

func loadClinic(t testing.TB) *floorplans.Plan {
	t.Helper()
	plan, err := floorplans.LoadFile(clinicPlan)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// script is what each tag does, one step per second from the feeder's t0.
type script map[string][]walk.Step

// stay appends a stay in room to the tag's script.
func (sc script) stay(t testing.TB, plan *floorplans.Plan, tag, room string, seconds int) {
	t.Helper()
	steps, err := walk.Stay(plan, room, seconds)
	if err != nil {
		t.Fatal(err)
	}
	sc[tag] = append(sc[tag], steps...)
}

// walk appends a walk from room to room to the tag's script.
func (sc script) walk(t testing.TB, plan *floorplans.Plan, tag, from, to string) {
	t.Helper()
	steps, err := walk.Walk(plan, from, to, walk.DefaultSpeed)
	if err != nil {
		t.Fatal(err)
	}
	sc[tag] = append(sc[tag], steps...)
}

// firstIn returns the first second, from second from on, at which the tag
// is in room.
func (sc script) firstIn(tag, room string, from int) int {
	for i := from; i < len(sc[tag]); i++ {
		if sc[tag][i].Room == room {
			return i
		}
	}
	return -1
}

// feeder posts a script to rtlsd: for each second, one batch per reader
// that hears any tag, all stamped base + second + 100 ms.
type feeder struct {
	t       testing.TB
	batcher *walk.Batcher
	sender  *load.Sender
	base    int64 // epoch ms of second 0, a whole second
}

// newFeeder starts the script's second 0 two seconds from now.
func newFeeder(t testing.TB, s *Server, plan *floorplans.Plan) *feeder {
	f := &feeder{t: t, batcher: walk.NewBatcher(walk.NewRadio(plan)),
		base: time.Now().Truncate(time.Second).Add(2 * time.Second).UnixMilli()}
	f.connect(s)
	return f
}

// connect sends to s from now on (after a restart).
func (f *feeder) connect(s *Server) {
	f.t.Helper()
	if f.sender != nil {
		f.sender.Close()
	}
	snd, err := load.Dial(s.CoAPAddr().String(), 1)
	if err != nil {
		f.t.Fatal(err)
	}
	f.sender = snd
	f.t.Cleanup(snd.Close)
}

// epoch is the event time of the positions computed from second i.
func (f *feeder) epoch(i int) int64 { return f.base + int64(i+1)*1000 }

// play posts seconds [from, to) of the script.
func (f *feeder) play(sc script, from, to int) {
	f.t.Helper()
	if to > maxScript {
		f.t.Fatalf("script of %d s: at most %d s fit in the reader front's future window", to, maxScript)
	}
	for i := from; i < to; i++ {
		var placed []walk.Placed
		for tag, steps := range sc {
			if i < len(steps) {
				placed = append(placed, walk.Placed{Tag: tag, Step: steps[i]})
			}
		}
		ts := f.base + int64(i)*1000 + 100
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := f.sender.Send(ctx, f.batcher.Batches(ts, placed))
		cancel()
		if err != nil {
			f.t.Fatalf("second %d: %v", i, err)
		}
	}
}

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

// notFound reports whether err is a gRPC NOT_FOUND.
func notFound(err error) bool { return status.Code(err) == codes.NotFound }

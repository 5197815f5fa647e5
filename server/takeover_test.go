package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/internal/sim"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

// haFeeder plays readers: every second of wall time a new tag appears in a
// room of the clinic and is heard for two seconds, each batch stamped with
// the wall clock and posted to one of the instances in turn. It records
// when each tag's batches were acknowledged.
type haFeeder struct {
	t     *testing.T
	sc    *sim.Scripted
	rooms []string

	mu      sync.Mutex // guards the fields below
	targets []*reader  // instances batches go to, in turn
	acked   map[string][]time.Time
	refused int
}

func newHAFeeder(t *testing.T, plan *floorplans.Plan, targets ...*reader) *haFeeder {
	sc, err := sim.NewScripted(plan)
	if err != nil {
		t.Fatal(err)
	}
	return &haFeeder{t: t, sc: sc, rooms: []string{"L0-S02", "L0-S03", "L0-S05"}, targets: targets, acked: map[string][]time.Time{}}
}

// setTargets changes where batches go (a reader fails over).
func (f *haFeeder) setTargets(targets ...*reader) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.targets = targets
}

// run feeds seconds until ctx ends.
func (f *haFeeder) run(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	n := 0
	for sec := 0; ctx.Err() == nil; sec++ {
		var placed []sim.Placed
		for _, k := range []int{sec - 1, sec} {
			if k < 0 {
				continue
			}
			steps, err := f.sc.Stay(f.rooms[k%len(f.rooms)], 1)
			if err != nil {
				f.t.Error(err)
				return
			}
			placed = append(placed, sim.Placed{Tag: fmt.Sprintf("HA-%03d", k), Step: steps[0]})
		}
		for _, b := range f.sc.Batches(time.Now().UnixMilli(), placed) {
			f.mu.Lock()
			r := f.targets[n%len(f.targets)]
			f.mu.Unlock()
			n++
			ok, err := r.post(b)
			at := time.Now()
			f.mu.Lock()
			if ok {
				for _, s := range b.Sightings {
					f.acked[s.Tag] = append(f.acked[s.Tag], at)
				}
			} else {
				f.refused++
				f.t.Logf("batch not acknowledged (the reader retries it): %v", err)
			}
			f.mu.Unlock()
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
}

// ackedBefore returns the tags with a sighting acknowledged before t, and
// how many of them had every acknowledged sighting within window before t.
func (f *haFeeder) ackedBefore(t time.Time, window time.Duration) (tags []string, recent int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for tag, ats := range f.acked {
		if ats[0].Before(t) {
			tags = append(tags, tag)
			if ats[0].After(t.Add(-window)) {
				recent++
			}
		}
	}
	return tags, recent
}

// resumingWatcher watches events on one instance and, when the stream
// ends, resumes on the next with after_id = the last id received.
type resumingWatcher struct {
	mu      sync.Mutex // guards got and resumes
	got     []*rtlsv1.Event
	resumes int
}

func (w *resumingWatcher) run(ctx context.Context, conns ...*grpc.ClientConn) {
	after := "0"
	for i := 0; ctx.Err() == nil; i++ {
		stream, err := rtlsv1.NewEventServiceClient(conns[i%len(conns)]).WatchEvents(ctx, &rtlsv1.WatchEventsRequest{AfterId: after})
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		for {
			e, err := stream.Recv()
			if err != nil {
				break
			}
			after = e.GetId()
			w.mu.Lock()
			w.got = append(w.got, e)
			w.mu.Unlock()
		}
		w.mu.Lock()
		w.resumes++
		w.mu.Unlock()
		time.Sleep(100 * time.Millisecond)
	}
}

func (w *resumingWatcher) events() []*rtlsv1.Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]*rtlsv1.Event(nil), w.got...)
}

// TestTakeoverKill9: two rtlsd against one Redis, readers posting to both.
// The owner is killed with SIGKILL mid-stream; the standby takes the site
// over (measured from the kill to its log line, wall time), every tag with
// a sighting acknowledged before the kill gets a stored position (also
// those heard only inside the lateness window at the kill, which only the
// ingest log holds), and a watcher that resumes on the standby with the
// last id it got loses and duplicates no event.
func TestTakeoverKill9(t *testing.T) {
	t.Parallel() // its own processes and ports; slow, so overlapped with the rest
	if testing.Short() {
		t.Skip("builds rtlsd and runs two instances for about 40 s")
	}
	rs := redistest.StartServer(t)
	bin := buildRTLSD(t)
	a := startProc(t, bin, rs.URL(), "A")
	a.waitLog("running the site's engine", 30*time.Second)
	b := startProc(t, bin, rs.URL(), "B")
	plan, err := floorplans.LoadFile(clinicPlan)
	if err != nil {
		t.Fatal(err)
	}
	ra, rb := dialReader(t, a.coap), dialReader(t, b.coap)
	f := newHAFeeder(t, plan, ra, rb)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	wctx, stopWatch := context.WithCancel(context.Background())
	defer stopWatch()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); f.run(ctx) }()
	var w resumingWatcher
	go func() { defer wg.Done(); w.run(wctx, a.dialGRPC(), b.dialGRPC()) }()

	time.Sleep(8 * time.Second) // wall time for traffic before the crash
	f.setTargets(rb)            // readers whose batches A no longer answers go to B
	killedAt := time.Now()
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	took := b.waitLog("running the site's engine", 30*time.Second)
	takeover := took.Time.Sub(killedAt)
	t.Logf("takeover: %s from SIGKILL to the standby running the engine", takeover.Round(time.Millisecond))
	t.Logf("standby's resume: %s", took.Raw)
	if takeover > 10*time.Second {
		t.Errorf("takeover took %s; want at most 10 s", takeover)
	}
	time.Sleep(6 * time.Second) // traffic after the takeover
	stop()

	st, err := redisstore.New(context.Background(), redisstore.Options{URL: rs.URL(), Site: "ha"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tags, recent := f.ackedBefore(killedAt, 4*time.Second)
	missing := waitPositions(t, st, tags, 20*time.Second)
	t.Logf("tags acknowledged before the kill: %d (%d first heard within 4 s before it); without a position: %d; batches refused: %d",
		len(tags), recent, len(missing), f.refused)
	if len(missing) > 0 {
		t.Errorf("tags acknowledged before the kill without a position: %v", missing)
	}
	waitWatched(t, st, &w, 30*time.Second)
	stopWatch()
	wg.Wait()
	checkWatched(t, st, &w)
}

// waitPositions waits until every tag has a stored position and returns
// those that still have none after timeout.
func waitPositions(t *testing.T, st store.Store, tags []string, timeout time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ps, err := st.GetPositions(context.Background(), tags)
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]bool{}
		for _, p := range ps {
			have[p.Tag] = true
		}
		var missing []string
		for _, tag := range tags {
			if !have[tag] {
				missing = append(missing, tag)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			return missing
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitWatched waits until the stored events stopped changing for 8 s
// (lateness, debounce and ticks of the last positions) and the watcher has
// as many.
func waitWatched(t *testing.T, st store.Store, w *resumingWatcher, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last, since := -1, time.Now()
	for time.Now().Before(deadline) {
		stored, err := st.ReadEvents(context.Background(), "0", 1000, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) != last {
			last, since = len(stored), time.Now()
		}
		if time.Since(since) >= 8*time.Second && len(w.events()) >= len(stored) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkWatched compares what the resuming watcher got with the stored
// event stream: the same ids in the same order (none lost, none
// duplicated), and no event stored twice (same type, tag and zone).
func checkWatched(t *testing.T, st store.Store, w *resumingWatcher) {
	t.Helper()
	stored, err := st.ReadEvents(context.Background(), "0", 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := w.events()
	seen := map[string]bool{}
	for _, e := range stored {
		k := fmt.Sprintf("%s %s %s", e.Type, e.Tag, e.Zone)
		if seen[k] {
			t.Errorf("event stored twice: %s", k)
		}
		seen[k] = true
	}
	dup := 0
	ids := map[string]bool{}
	for _, e := range got {
		if ids[e.GetId()] {
			dup++
		}
		ids[e.GetId()] = true
	}
	lost := 0
	for _, e := range stored {
		if !ids[e.ID] {
			lost++
			t.Logf("not watched: %s %s %s %s", e.ID, e.Type, e.Tag, e.Zone)
		}
	}
	t.Logf("events stored %d, watched %d over %d streams: lost %d, duplicated %d", len(stored), len(got), w.resumes, lost, dup)
	if lost > 0 || dup > 0 || len(got) != len(stored) {
		t.Errorf("watcher: lost %d, duplicated %d (watched %d of %d)", lost, dup, len(got), len(stored))
	}
}

// errUnavailable reports whether err is gRPC's UNAVAILABLE.
func errUnavailable(err error) bool {
	s, ok := status.FromError(err)
	return ok && s.Code() == codes.Unavailable && !errors.Is(err, context.Canceled)
}

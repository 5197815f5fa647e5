package pipeline

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

// gatedWriter holds every Apply until open is closed and records what it
// was given.
type gatedWriter struct {
	open chan struct{}
	mu   sync.Mutex
	got  []store.Update
}

func (g *gatedWriter) Apply(ctx context.Context, u store.Update) ([]geofence.Event, error) {
	select {
	case <-g.open:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.got = append(g.got, u)
	return u.Events, nil
}

func (g *gatedWriter) ExpirePositions(context.Context, int64) (int, error) { return 0, nil }

// TestBacklogWrittenInBoundedWrites queues a backlog of several times
// maxWriteBytes while the store holds its first write, then lets it go:
// the backlog reaches the store in several writes, none much larger than
// maxWriteBytes, in order, with increasing Seq and every event once.
func TestBacklogWrittenInBoundedWrites(t *testing.T) {
	g := &gatedWriter{open: make(chan struct{})}
	w := &writer{w: g, clock: time.Now, log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		m: NewMetrics(prometheus.NewRegistry()), timeout: time.Hour, pause: time.Millisecond,
		budget: time.Hour, maxAge: time.Hour, maxBytes: 1 << 40, kick: make(chan struct{}, 1)}
	done := make(chan error, 1)
	go func() { done <- w.run() }()
	const n = 4 * maxWriteBytes / eventBytes
	for i := range n {
		w.put(store.Update{Events: []geofence.Event{{Tag: fmt.Sprintf("T%d", i), TS: int64(i)}}}, nil, 0, nil)
	}
	close(g.open)
	w.close()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if len(g.got) < 4 {
		t.Fatalf("%d writes for a backlog of 4× maxWriteBytes, want at least 4", len(g.got))
	}
	next := int64(0)
	for i, u := range g.got {
		if i > 0 && u.Seq != g.got[i-1].Seq+1 {
			t.Fatalf("write %d has Seq %d after %d", i, u.Seq, g.got[i-1].Seq)
		}
		if size := int64(len(u.Events)) * eventBytes; size > maxWriteBytes+eventBytes {
			t.Fatalf("write %d carries about %d bytes, bound %d", i, size, maxWriteBytes)
		}
		for _, e := range u.Events {
			if e.TS != next {
				t.Fatalf("write %d: event %d where %d was next", i, e.TS, next)
			}
			next++
		}
	}
	if next != n {
		t.Fatalf("%d events written, want %d", next, n)
	}
}

// steppedWriter hands every Apply to the test (applied) and waits for the
// test to let it return (proceed).
type steppedWriter struct {
	applied chan store.Update
	proceed chan struct{}
}

func (s *steppedWriter) Apply(_ context.Context, u store.Update) ([]geofence.Event, error) {
	s.applied <- u
	<-s.proceed
	return u.Events, nil
}

func (s *steppedWriter) ExpirePositions(context.Context, int64) (int, error) { return 0, nil }

// TestEventsWrittenFirst: an update with events is written in two, the
// events with their tags' positions, the geofence state and the
// watermark first, the other tags' positions second, with consecutive
// Seqs; the waiter and the progress are told only once both are written.
// Updates without events, or whose positions all have events, are one
// write.
func TestEventsWrittenFirst(t *testing.T) {
	s := &steppedWriter{applied: make(chan store.Update), proceed: make(chan struct{})}
	progressed := make(chan uint64, 1)
	w := &writer{w: s, clock: time.Now, log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		m: NewMetrics(prometheus.NewRegistry()), timeout: time.Hour, pause: time.Millisecond,
		budget: time.Hour, maxAge: time.Hour, maxBytes: 1 << 40, kick: make(chan struct{}, 1),
		progress: func(n uint64) { progressed <- n }}
	stopped := make(chan error, 1)
	go func() { stopped <- w.run() }()

	tags := func(ps []location.Position) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Tag)
		}
		return out
	}
	told := func(done chan error) bool {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("waiter told %v", err)
			}
			return true
		default:
			return false
		}
	}
	pos := func(tag string) location.Position { return location.Position{Tag: tag, TS: 5000, Level: "L1"} }

	done := make(chan error, 1)
	w.put(store.Update{Positions: []location.Position{pos("A"), pos("B"), pos("C")},
		Events:    []geofence.Event{{Tag: "B", Type: geofence.Enter, TS: 5000}},
		Fence:     map[string][]byte{"A": []byte("a"), "B": []byte("in"), geofence.GlobalPart: []byte("clock")},
		Trail:     []location.Position{pos("C")},
		Watermark: 5000}, done, 7, nil)
	first := <-s.applied
	if got := tags(first.Positions); !slices.Equal(got, []string{"B"}) || len(first.Events) != 1 ||
		first.Watermark != 5000 || len(first.Fence) != 2 || first.Fence["B"] == nil || first.Fence[geofence.GlobalPart] == nil || len(first.Trail) != 1 {
		t.Fatalf("first write: positions %v, %d events, watermark %d, fence parts %v, %d trail points; want B's position, its event, the watermark, B's and the global fence part and the trail point",
			got, len(first.Events), first.Watermark, first.Fence, len(first.Trail))
	}
	s.proceed <- struct{}{}
	second := <-s.applied
	if got := tags(second.Positions); !slices.Equal(got, []string{"A", "C"}) || len(second.Events) != 0 || second.Watermark != 0 ||
		len(second.Fence) != 1 || second.Fence["A"] == nil || len(second.Trail) != 0 || second.Seq != first.Seq+1 {
		t.Fatalf("second write: positions %v, %d events, watermark %d, fence parts %v, %d trail points, Seq %d after %d; want A's and C's positions and A's fence part alone, next Seq",
			got, len(second.Events), second.Watermark, second.Fence, len(second.Trail), second.Seq, first.Seq)
	}
	if told(done) || len(progressed) > 0 {
		t.Fatal("the waiter or the progress was told before the second write returned")
	}
	s.proceed <- struct{}{}
	if err := <-done; err != nil {
		t.Fatalf("waiter told %v", err)
	}
	if n := <-progressed; n != 7 {
		t.Fatalf("progress %d, want 7", n)
	}

	for _, u := range []store.Update{
		{Positions: []location.Position{pos("A"), pos("B")}},
		{Positions: []location.Position{pos("B")}, Events: []geofence.Event{{Tag: "B", Type: geofence.Exit, TS: 6000}}},
	} {
		w.put(u, nil, 0, nil)
		got := <-s.applied
		s.proceed <- struct{}{}
		if !slices.Equal(tags(got.Positions), tags(u.Positions)) || len(got.Events) != len(u.Events) {
			t.Fatalf("%d positions and %d events written as positions %v and %d events: want one write", len(u.Positions), len(u.Events), tags(got.Positions), len(got.Events))
		}
	}
	w.close()
	if err := <-stopped; err != nil {
		t.Fatalf("run: %v", err)
	}
}

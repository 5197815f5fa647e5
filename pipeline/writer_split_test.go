package pipeline

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

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

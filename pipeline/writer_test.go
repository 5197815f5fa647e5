package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"testing"

	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/memstore"
)

// errDown is the failure of a store that is down.
var errDown = errors.New("test: store down")

// errLostReply is returned for an update that was written but whose reply
// got lost (a timeout after the write).
var errLostReply = errors.New("test: reply lost")

// attempt is one Apply call as the writer saw it.
type attempt struct {
	u   store.Update // a deep copy
	err error
}

// faultyWriter is a memstore behind switchable faults; it records every
// Apply.
type faultyWriter struct {
	st store.Store

	mu        sync.Mutex // guards the fields below
	down      bool       // fail without writing
	failNext  int        // fail this many more calls without writing
	loseReply bool       // every second call writes, then fails
	calls     int
	attempts  []attempt
}

func newFaultyWriter(t *testing.T) *faultyWriter {
	st := memstore.New(memstore.Options{})
	t.Cleanup(func() { st.Close() })
	return &faultyWriter{st: st}
}

// ExpirePositions implements pipeline.Writer; it never fails.
func (w *faultyWriter) ExpirePositions(ctx context.Context, before int64) (int, error) {
	return w.st.ExpirePositions(ctx, before)
}

// Apply implements pipeline.Writer.
func (w *faultyWriter) Apply(ctx context.Context, u store.Update) ([]geofence.Event, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls++
	var evs []geofence.Event
	var err error
	switch {
	case w.down:
		err = errDown
	case w.failNext > 0:
		w.failNext--
		err = errDown
	default:
		evs, err = w.st.Apply(ctx, u)
		if err == nil && w.loseReply && w.calls%2 == 0 {
			evs, err = nil, errLostReply
		}
	}
	w.attempts = append(w.attempts, attempt{u: cloneUpdate(u), err: err})
	return evs, err
}

func (w *faultyWriter) setDown(down bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.down = down
}

// comeBackAfter ends the outage after n more failed writes.
func (w *faultyWriter) comeBackAfter(n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.down, w.failNext = false, n
}

func (w *faultyWriter) history() []attempt {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.attempts)
}

func cloneUpdate(u store.Update) store.Update {
	c := store.Update{Seq: u.Seq, Watermark: u.Watermark, Positions: slices.Clone(u.Positions), Events: slices.Clone(u.Events),
		Visits: slices.Clone(u.Visits), Trail: slices.Clone(u.Trail), StatusChanges: slices.Clone(u.StatusChanges)}
	if u.Fence != nil {
		c.Fence = maps.Clone(u.Fence)
		for k, v := range c.Fence {
			c.Fence[k] = bytes.Clone(v)
		}
	}
	for _, cc := range u.Config {
		c.Config = append(c.Config, store.ConfigChange{Kind: cc.Kind, ID: cc.ID, Data: bytes.Clone(cc.Data)})
	}
	return c
}

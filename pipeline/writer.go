package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

// writer writes the pipeline's updates to the store on its own goroutine,
// so that a slow or hung store never stalls the engines. Updates handed to
// it (put) are merged into one unsealed batch: positions coalesced per tag
// (only the newest position of a tag is live state; trail points, events,
// visits and the rest are kept in order), geofence state parts merged by
// key. When the store is free the batch is sealed with the next Seq and
// written in one Apply (one round trip to Redis), or two when it carries
// events (split: the events first): about one write per tick while the
// store keeps up, fewer and larger ones while it is slow. A
// failed write is retried unchanged after a pause, so the store applies it
// once (Update.Seq); nothing newer is written before it.
type writer struct {
	w        Writer
	clock    func() time.Time
	log      *slog.Logger
	m        *Metrics
	timeout  time.Duration // per Apply or ExpirePositions attempt
	pause    time.Duration // after a failed attempt
	budget   time.Duration // to finish after close
	maxAge   time.Duration
	maxBytes int64
	progress func(uint64)
	kick     chan struct{}

	mu     sync.Mutex // guards the fields below
	acc    batch      // merged updates not sealed yet
	full   []batch    // earlier unsealed batches that reached maxWriteBytes, oldest first
	sealed *batch     // the update being written (retried until it is)
	expire int64      // ExpirePositions(before) to run; 0 for none
	closed bool       // no more puts: write what is left, then stop

	// since (unix ns of the oldest unwritten update, 0 for none) and bytes
	// (estimated size of the unwritten updates) are read by Ingest.
	since atomic.Int64
	bytes atomic.Int64
	// overdue is set while Ingest refuses batches because of the backlog
	// (one log line when it starts, one when it ends).
	overdue atomic.Bool

	seq     uint64 // the last Seq sealed; owned by run
	failing int    // consecutive failed attempts; owned by run
}

// batch is one or more merged updates.
type batch struct {
	u        store.Update
	at       map[string]int // index of each tag's position in u.Positions
	since    time.Time      // when the oldest merged update was put
	bytes    int64          // estimated size
	updates  int            // updates merged
	waiters  []chan<- error // told the outcome of the first write attempt
	progress uint64         // batches processed and written once this is (see Config.Progress)
	dues     []time.Time    // when the epochs it finalises fell due
	// partial marks the first write of a split batch (see split): its
	// events are stored, the update is not yet.
	partial bool
}

func (b *batch) empty() bool { return b.u.NoItems() }

// put merges u into the unsealed batch. done, when not nil, is told nil
// once a write carrying u succeeded, or ErrNotStored at the first failed
// attempt before that. progress is the number of ingested batches
// processed once u is written; dues are when the epochs u finalises fell
// due.
func (w *writer) put(u store.Update, done chan<- error, progress uint64, dues []time.Time) {
	w.mu.Lock()
	if w.acc.bytes >= maxWriteBytes {
		w.full = append(w.full, w.acc)
		w.acc = batch{}
	}
	b := &w.acc
	before := b.bytes
	b.merge(u, w.m)
	if done != nil {
		b.waiters = append(b.waiters, done)
	}
	b.progress = max(b.progress, progress)
	b.dues = append(b.dues, dues...)
	if b.updates == 0 && (!b.empty() || done != nil) {
		b.since = w.clock()
	}
	if !b.empty() || done != nil {
		b.updates++
	}
	w.bytes.Add(b.bytes - before)
	w.publish()
	w.mu.Unlock()
	w.wake()
}

// expireBefore asks for a store.ExpirePositions(before) after the writes
// queued so far.
func (w *writer) expireBefore(before int64) {
	w.mu.Lock()
	w.expire = max(w.expire, before)
	w.mu.Unlock()
	w.wake()
}

// close tells run that nothing more is put: it writes what is left within
// the shutdown budget and returns.
func (w *writer) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.wake()
}

func (w *writer) wake() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// refusal returns why Ingest must refuse batches now because of the
// store, or "".
func (w *writer) refusal(now time.Time) string {
	cause := ""
	if s := w.since.Load(); s != 0 && now.Sub(time.Unix(0, s)) > w.maxAge {
		cause = refusedBacklogAge
	} else if w.bytes.Load() > w.maxBytes {
		cause = refusedBacklogBytes
	}
	if cause != "" && w.overdue.CompareAndSwap(false, true) {
		w.log.Error("store writes are behind more than the backlog bound: refusing sightings (5.03) until the store catches up",
			"cause", cause, "age", w.backlogAge(), "bound", w.maxAge, "bytes", w.bytes.Load(), "bytes_bound", w.maxBytes)
	}
	return cause
}

// backlogAge is the age of the oldest unwritten update, 0 for none.
func (w *writer) backlogAge() time.Duration {
	s := w.since.Load()
	if s == 0 {
		return 0
	}
	return max(w.clock().Sub(time.Unix(0, s)), 0)
}

// publish updates since and the backlog gauges. Called with mu held.
func (w *writer) publish() {
	var since time.Time
	updates := w.acc.updates
	for _, b := range w.full {
		updates += b.updates
	}
	switch {
	case w.sealed != nil:
		since = w.sealed.since
		updates += w.sealed.updates
	case len(w.full) > 0:
		since = w.full[0].since
	case w.acc.updates > 0:
		since = w.acc.since
	}
	if since.IsZero() {
		w.since.Store(0)
	} else {
		w.since.Store(since.UnixNano())
	}
	w.m.backlogUpdates.Set(float64(updates))
	w.m.backlogBytes.Set(float64(w.bytes.Load()))
	if w.overdue.Load() && (since.IsZero() || w.clock().Sub(since) <= w.maxAge) && w.bytes.Load() <= w.maxBytes {
		w.overdue.Store(false)
		w.log.Info("store caught up: taking sightings again", "updates", updates)
	}
}

// run writes until close and then until nothing is left, or the shutdown
// budget passed (ErrUnwritten).
func (w *writer) run() error {
	ctx := context.Background()
	var deadline <-chan struct{}
	for {
		w.mu.Lock()
		if w.sealed == nil {
			w.seal()
		}
		b, expire, closed := w.sealed, w.expire, w.closed
		w.mu.Unlock()
		if closed && deadline == nil {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(context.Background(), w.budget)
			defer cancel()
			deadline = ctx.Done()
		}
		ok := true
		switch {
		case b != nil:
			ok = w.write(ctx, b)
		case expire != 0:
			ok = w.expirePositions(ctx, expire)
		case closed:
			return nil
		default:
			<-w.kick
			continue
		}
		if ok {
			continue
		}
		t := time.NewTimer(w.pause)
		select {
		case <-t.C:
		case <-deadline:
			t.Stop()
			return w.unwritten()
		}
	}
}

// seal makes the oldest unsealed batch the next to write. A batch with no
// content only has waiters or progress: everything put before it is
// written, so they are told so. Called with mu held.
func (w *writer) seal() {
	var b batch
	if len(w.full) > 0 {
		b = w.full[0]
		w.full[0] = batch{}
		w.full = w.full[1:]
	} else {
		b = w.acc
		w.acc = batch{}
	}
	if b.updates == 0 && b.progress == 0 {
		return
	}
	if b.empty() {
		for _, c := range b.waiters {
			c <- nil
		}
		w.publish()
		if b.progress > 0 && w.progress != nil {
			w.progress(b.progress)
		}
		return
	}
	b.at = nil
	if rest, ok := b.split(); ok {
		w.full = append([]batch{rest}, w.full...)
	}
	w.seq++
	b.u.Seq = w.seq
	w.sealed = &b
	w.publish()
}

// split divides a batch that carries events into two writes, in this
// order: b keeps the events and what explains them or must not be
// replayed twice (the positions and geofence state of the tags the
// events are about, the engine-wide geofence part, visits, trail points,
// analytics, configuration, batteries, status changes and the
// watermark); rest takes every other tag's position and geofence state.
// The first write is a fraction of the second (a tick carries a few
// hundred events against thousands of positions, and every tag seen has
// its geofence state rewritten), so an ENTER or an alert reaches its
// subscribers without waiting for the whole tick's live state; each
// tag's position and state still land with its own events, so a client
// reading an event's tag or room sees them agree.
//
// The watermark goes with the events: a writer that dies between the two
// writes leaves the other tags' live positions and geofence state one
// tick old until their next sighting (a pending debounce restarts a tick
// later), and a writer taking over does not emit the events again. rest
// carries the waiters and the progress, both the dues (b's mark when the
// events were written): the update counts as stored once both writes
// are. It reports false, leaving b whole, when there is nothing to split.
func (b *batch) split() (rest batch, ok bool) {
	if len(b.u.Events) == 0 || (len(b.u.Positions) == 0 && len(b.u.Fence) == 0) {
		return batch{}, false
	}
	evented := make(map[string]bool, len(b.u.Events))
	for _, e := range b.u.Events {
		evented[e.Tag] = true
	}
	keep := b.u.Positions[:0:0]
	for _, p := range b.u.Positions {
		if evented[p.Tag] {
			keep = append(keep, p)
			continue
		}
		rest.u.Positions = append(rest.u.Positions, p)
		rest.bytes += positionBytes(p)
	}
	for k, v := range b.u.Fence {
		if k == geofence.GlobalPart || evented[k] {
			continue
		}
		if rest.u.Fence == nil {
			rest.u.Fence = make(map[string][]byte)
		}
		rest.u.Fence[k] = v
		rest.bytes += int64(len(k) + len(v) + itemBytes)
		delete(b.u.Fence, k)
	}
	if rest.empty() {
		return batch{}, false
	}
	rest.since, rest.updates, rest.waiters, rest.progress, rest.dues = b.since, b.updates, b.waiters, b.progress, b.dues
	b.u.Positions, b.bytes, b.updates, b.partial = keep, b.bytes-rest.bytes, 0, true
	b.waiters, b.progress = nil, 0
	return rest, true
}

// write tries the sealed batch once; it reports success.
func (w *writer) write(ctx context.Context, b *batch) bool {
	start := time.Now()
	actx, cancel := context.WithTimeout(ctx, w.timeout)
	evs, err := w.w.Apply(actx, b.u)
	cancel()
	w.m.apply.Observe(time.Since(start).Seconds())
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		w.m.applyErrors.Inc()
		if w.failing == 0 {
			w.log.Warn("store write failed; retrying in order until it is written", "updates", b.updates, "err", err)
		}
		w.failing++
		for _, u := range w.unsealed(b) {
			for _, c := range u.waiters {
				c <- ErrNotStored
			}
			u.waiters = nil
		}
		return false
	}
	if w.failing > 0 {
		w.log.Info("store write succeeded again", "failed_attempts", w.failing, "updates", b.updates)
		w.failing = 0
	}
	w.m.events.Add(float64(len(evs)))
	if !b.partial {
		w.m.writtenUpdates.Observe(float64(b.updates))
	}
	now := w.clock()
	for _, due := range b.dues {
		if len(b.u.Events) > 0 {
			w.m.epochDelay.WithLabelValues("events").Observe(max(0, now.Sub(due).Seconds()))
		}
		if !b.partial {
			w.m.epochDelay.WithLabelValues("stored").Observe(max(0, now.Sub(due).Seconds()))
		}
	}
	for _, c := range b.waiters {
		c <- nil
	}
	w.sealed = nil
	w.bytes.Add(-b.bytes)
	w.publish()
	if b.progress > 0 && w.progress != nil {
		w.progress(b.progress)
	}
	return true
}

// expirePositions runs one ExpirePositions; it reports success.
func (w *writer) expirePositions(ctx context.Context, before int64) bool {
	actx, cancel := context.WithTimeout(ctx, w.timeout)
	n, err := w.w.ExpirePositions(actx, before)
	cancel()
	if err != nil {
		w.log.Warn("store expiry failed; will retry", "err", err)
		return false
	}
	w.mu.Lock()
	if w.expire == before {
		w.expire = 0
	}
	w.mu.Unlock()
	if n > 0 {
		w.m.expired.Add(float64(n))
		w.log.Info("expired tags not seen within the retention", "tags", n)
	}
	return true
}

// unwritten is the error of a stop with updates left.
func (w *writer) unwritten() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	updates, events := 0, 0
	for _, b := range w.unsealed(w.sealed) {
		updates += b.updates
		events += len(b.u.Events)
		for _, c := range b.waiters {
			c <- ErrNotStored
		}
		b.waiters = nil
	}
	return fmt.Errorf("%w: %d updates with %d events", ErrUnwritten, updates, events)
}

// unsealed returns sealed (when not nil) and every batch after it, in
// order. Called with mu held.
func (w *writer) unsealed(sealed *batch) []*batch {
	var out []*batch
	if sealed != nil {
		out = append(out, sealed)
	}
	for i := range w.full {
		out = append(out, &w.full[i])
	}
	return append(out, &w.acc)
}

// merge adds u to b: positions coalesced per tag (a newer or equal TS
// replaces the queued one, as the store would), geofence parts by key,
// the rest appended in order.
func (b *batch) merge(u store.Update, m *Metrics) {
	b.u.Watermark = max(b.u.Watermark, u.Watermark)
	if b.at == nil {
		b.at = make(map[string]int)
	}
	for _, p := range u.Positions {
		if i, ok := b.at[p.Tag]; ok {
			m.coalescedPositions.Inc()
			if p.TS >= b.u.Positions[i].TS {
				b.u.Positions[i] = p
			}
			continue
		}
		b.at[p.Tag] = len(b.u.Positions)
		b.u.Positions = append(b.u.Positions, p)
		b.bytes += positionBytes(p)
	}
	for k, v := range u.Fence {
		if b.u.Fence == nil {
			b.u.Fence = make(map[string][]byte)
		}
		if old, ok := b.u.Fence[k]; ok {
			b.bytes -= int64(len(k) + len(old) + itemBytes)
		}
		b.u.Fence[k] = v
		b.bytes += int64(len(k) + len(v) + itemBytes)
	}
	b.u.Events = append(b.u.Events, u.Events...)
	b.bytes += int64(len(u.Events)) * eventBytes
	for _, c := range u.Config {
		b.bytes += int64(len(c.ID) + len(c.Data) + itemBytes)
	}
	b.u.Config = append(b.u.Config, u.Config...)
	for _, p := range u.Trail {
		b.bytes += positionBytes(p)
	}
	b.u.Trail = append(b.u.Trail, u.Trail...)
	b.u.Visits = append(b.u.Visits, u.Visits...)
	b.u.Analytics = append(b.u.Analytics, u.Analytics...)
	b.u.Batteries = append(b.u.Batteries, u.Batteries...)
	b.u.StatusChanges = append(b.u.StatusChanges, u.StatusChanges...)
	b.bytes += int64(len(u.Visits)+len(u.Analytics)+len(u.Batteries)+len(u.StatusChanges)) * itemBytes
}

// Estimated sizes for the backlog's byte bound: what an item costs in
// memory and on the wire, roughly (no exact accounting is needed).
const (
	itemBytes  = 96
	eventBytes = 256
)

// maxWriteBytes bounds the estimated size of one Apply: a store that was
// slow gets its backlog in writes of about this size, each well inside
// the write deadline, rather than one script so large that Redis is busy
// with it for longer than the deadline (and for every other client).
const maxWriteBytes = 1 << 20

func positionBytes(p location.Position) int64 {
	return int64(itemBytes + len(p.Tag) + len(p.Room) + len(p.Level))
}

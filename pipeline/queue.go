package pipeline

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/rfid"
)

// Causes of a refused batch (ErrBusy): labels of rtls_pipeline_refused_*.
const (
	refusedQueueWait    = "queue_wait"          // the engine would not take it within MaxQueueWait
	refusedQueueFull    = "queue_full"          // Config.Queue batches wait already
	refusedBacklogAge   = "store_backlog_age"   // the store is behind more than MaxBacklogAge
	refusedBacklogBytes = "store_backlog_bytes" // the unwritten updates exceed MaxBacklogBytes
	refusedShed         = "shed"                // refused before decoding, right after one of the engine's (Shed)
)

// queued is one batch Ingest took, waiting for the engine.
type queued struct {
	ss []location.Sighting
	at time.Time // when Ingest took it (Clock)
	// minTS and maxTS bound the batch's event times; behind is the
	// engine's finalised watermark when Ingest took it: a sighting at or
	// before it was late on arrival.
	minTS, maxTS, behind int64
	n                    uint64 // the batch's number: 1, 2, ... in the order Ingest took them
}

// intake is the queue between Ingest and the engine goroutine. Admission
// is by time: Ingest refuses a batch (ErrBusy) when the engine would not
// take it within the wait bound, so every batch it accepts reaches the
// engine in time; and the engine never finalises an epoch while a queued
// batch has a sighting in it (see hold), so a batch that waits longer than
// estimated is late for nobody. Together no sighting is acknowledged and
// then dropped as late because of the queue.
type intake struct {
	maxWait time.Duration
	limit   int
	epochMS int64
	clock   func() time.Time
	ready   chan struct{} // signalled when a batch is queued

	mu        sync.Mutex // guards the fields below
	items     []queued   // FIFO from head
	head      int
	sightings int    // sightings in items[head:]
	taken     uint64 // batches taken so far (the last number given)
	flushed   int64  // the finalised watermark (ms) the engine published
	closed    bool   // the engine stage stopped taking batches
	// tickAt is when the engine stage began the work of a tick that
	// takes no batches (zero while it is not in it): Flush, and handing
	// the positions to the geofence stage, which waits while that stage
	// is behind. tickCost is how long that work takes (moving average).
	// A batch arriving meanwhile waits for the rest of it.
	tickAt   time.Time
	tickCost time.Duration

	// costNS is the engine stage's time to take one queued sighting (ns,
	// moving average), for the wait estimate.
	costNS atomic.Int64
}

func newIntake(limit int, maxWait time.Duration, epochMS int64, clock func() time.Time) *intake {
	return &intake{limit: limit, maxWait: maxWait, epochMS: epochMS, clock: clock, ready: make(chan struct{}, 1),
		flushed: minWatermark}
}

// minWatermark is the finalised watermark before the first flush.
const minWatermark = -1 << 62

// Ingest queues one batch of validated sightings for the engine. It
// implements rfid.Sink: nil means the batch will be given to the engine
// before any epoch of its sightings is finalised; ErrBusy (5.03 with
// Max-Age for the reader, which retries) means it was refused because the
// engine would not take it within Config.MaxQueueWait, the queue is full,
// or the store is behind more than Config.MaxBacklogAge or
// Config.MaxBacklogBytes; ErrStopped once the pipeline stops. late is
// the number of sightings not taken because they are already behind the
// finalised watermark (a retry come too late: the reader is told they were
// dropped, the engine never sees them). It never blocks.
func (p *Pipeline) Ingest(_ context.Context, ss []location.Sighting) (late int, err error) {
	return p.enqueue(ss, true)
}

// Take queues a batch that was acknowledged already (read from the ingest
// log): as Ingest, but sightings behind the finalised watermark are given
// to the engine, which drops and counts them (late_on_arrival: dropped
// after their acknowledgement), instead of being refused.
func (p *Pipeline) Take(_ context.Context, ss []location.Sighting) error {
	_, err := p.enqueue(ss, false)
	return err
}

// enqueue is Ingest (door: sightings behind the finalised watermark are
// not taken, and counted in late) and Take.
func (p *Pipeline) enqueue(ss []location.Sighting, door bool) (late int, err error) {
	if len(ss) == 0 {
		return 0, nil
	}
	select {
	case <-p.stopped:
		return 0, ErrStopped
	default:
	}
	now := p.cfg.Clock()
	if cause := p.wr.refusal(now); cause != "" {
		return 0, p.refuse(cause, ss)
	}
	q := p.q
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return 0, ErrStopped
	}
	if cause := q.admit(now); cause != "" {
		q.mu.Unlock()
		return 0, p.refuse(cause, ss)
	}
	if door {
		for _, s := range ss {
			if s.TS <= q.flushed {
				late++
			}
		}
		if late == len(ss) {
			q.mu.Unlock()
			return late, nil
		}
		if late > 0 {
			ss = slices.DeleteFunc(slices.Clone(ss), func(s location.Sighting) bool { return s.TS <= q.flushed })
		}
	}
	b := queued{ss: ss, at: now, behind: q.flushed}
	b.minTS, b.maxTS = location.StampRange(ss)
	q.taken++
	b.n = q.taken
	q.items = append(q.items, b)
	q.sightings += len(ss)
	p.metrics.queueBatches.Set(float64(len(q.items) - q.head))
	p.metrics.queueSightings.Set(float64(q.sightings))
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
	return late, nil
}

// refuse counts a refused batch and returns ErrBusy, with its cause and
// the retry delay it asks for (rfid.RetryAfter). A batch refused
// because the store is behind is expected back from its reader (which
// retries it after the 5.03's Max-Age): the engine waits for it, as the
// outage is the store's and the engine is idle. One refused because the
// engine itself is behind is not: holding the engine back for its retry
// would only make every position later.
func (p *Pipeline) refuse(cause string, ss []location.Sighting) error {
	p.metrics.busy.Inc()
	p.metrics.refusedBatches.WithLabelValues(cause).Inc()
	p.metrics.refusedSightings.WithLabelValues(cause).Add(float64(len(ss)))
	if cause == refusedBacklogAge || cause == refusedBacklogBytes {
		oldest, _ := location.StampRange(ss)
		p.expect.Expect(ss[0].Reader, oldest)
		return rfid.RetryAfter(fmt.Errorf("%w (%s)", ErrBusy, cause), storeRetry)
	}
	p.shed.Open(p.cfg.Clock())
	return rfid.RetryAfter(fmt.Errorf("%w (%s)", ErrBusy, cause), engineRetry)
}

// Shed implements rfid.Shedder: for rfid.ShedFor after a batch was
// refused because the engine is behind, batches are refused before the
// reader front decodes them (cause "shed"; their sightings are not
// counted, as they are not decoded). A refusal
// because the store is behind does not shed: those batches are expected
// back.
func (p *Pipeline) Shed() error {
	if p.shed.Shedding(p.cfg.Clock()) {
		p.metrics.busy.Inc()
		p.metrics.refusedBatches.WithLabelValues(refusedShed).Inc()
		return rfid.RetryAfter(fmt.Errorf("%w (shed before decoding)", ErrBusy), engineRetry)
	}
	return nil
}

// Retry delays a refusal asks of the reader (rfid.Retrier: the 5.03's
// Max-Age): after the engine refused for being behind, a short one, so
// the retried sightings still arrive within the lateness; after the store
// refused, long enough for it to recover (they are expected, see
// Expected).
const (
	engineRetry = time.Second
	storeRetry  = 5 * time.Second
)

// admit returns why a batch arriving at now must be refused, or "". The
// wait of a new batch is estimated twice: by the age of the oldest queued
// batch (how long batches wait now) and by what the engine stage has to
// do first: the rest of a tick's work under way (at its usual duration)
// and the queued sightings at its recent cost of taking one. The larger counts.
// Called with mu held.
func (q *intake) admit(now time.Time) string {
	n := len(q.items) - q.head
	if n >= q.limit {
		return refusedQueueFull
	}
	ahead := time.Duration(int64(q.sightings) * q.costNS.Load())
	if !q.tickAt.IsZero() {
		ahead += max(q.tickCost-now.Sub(q.tickAt), 0)
	}
	wait := ahead
	if n > 0 {
		wait = max(wait, now.Sub(q.items[q.head].at))
	}
	if wait > q.maxWait {
		return refusedQueueWait
	}
	return ""
}

// beginTick notes that the engine stage begins a tick's work at now.
func (q *intake) beginTick(now time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.tickAt = now
}

// endTick notes that the work begun by beginTick ended at now.
func (q *intake) endTick(now time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	d := now.Sub(q.tickAt)
	q.tickAt = time.Time{}
	if q.tickCost == 0 {
		q.tickCost = d
		return
	}
	q.tickCost = (q.tickCost*3 + d) / 4
}

// pop takes the oldest queued batch; false when none waits.
func (q *intake) pop(m *Metrics) (queued, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head == len(q.items) {
		return queued{}, false
	}
	b := q.items[q.head]
	q.items[q.head] = queued{}
	q.head++
	q.sightings -= len(b.ss)
	if q.head == len(q.items) || q.head > 1024 && q.head*2 > len(q.items) {
		q.items = append(q.items[:0], q.items[q.head:]...)
		q.head = 0
	}
	m.queueBatches.Set(float64(len(q.items) - q.head))
	m.queueSightings.Set(float64(q.sightings))
	return b, true
}

// close makes Ingest refuse further batches (ErrStopped): the engine stage
// takes the last ones and stops.
func (q *intake) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
}

// depth is the number of queued batches.
func (q *intake) depth() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items) - q.head
}

// behind returns how many queued batches, from the oldest, the engine
// must take before it finalises the watermark wm: up to the last with a
// sighting at or before wm (which would hold wm back, see hold).
func (q *intake) behind(wm int64) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i := len(q.items) - 1; i >= q.head; i-- {
		if q.items[i].minTS <= wm {
			return i - q.head + 1
		}
	}
	return 0
}

// oldestAge is the age of the oldest queued batch, 0 when none waits.
func (q *intake) oldestAge() time.Duration {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head == len(q.items) {
		return 0
	}
	return q.clock().Sub(q.items[q.head].at)
}

// hold returns the watermark the engine may finalise: wm, or less while
// a queued batch has a sighting at or before it, so that no accepted
// sighting turns late while it waits. It publishes the finalised
// watermark (epoch-aligned, as the engine rounds it) for the next batches'
// late-on-arrival count.
func (q *intake) hold(wm int64) int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, b := range q.items[q.head:] {
		wm = min(wm, b.minTS-1)
	}
	q.flushed = max(q.flushed, floorDiv(wm, q.epochMS)*q.epochMS)
	return wm
}

// noteCost folds the time the engine stage took to take some sightings
// into the cost per sighting.
func (q *intake) noteCost(busy time.Duration, sightings int) {
	if sightings == 0 {
		return
	}
	cost := int64(busy) / int64(sightings)
	old := q.costNS.Load()
	if old != 0 {
		cost = (old*7 + cost) / 8
	}
	q.costNS.Store(cost)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

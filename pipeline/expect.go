package pipeline

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Config.RetryWindow and Config.MaxHold.
const (
	// DefaultRetryWindow is twice the Max-Age of the reader front's 5.03
	// (rfid: 5 s): a reader retries a refused batch after the Max-Age,
	// and is refused again or taken within the second.
	DefaultRetryWindow = 10 * time.Second
	// DefaultMaxHold bounds how far behind the wall clock's watermark the
	// engine is held for expected sightings: past a 30 s store outage and
	// the readers' retries after it.
	DefaultMaxHold = time.Minute
)

// expected are the sources whose sightings are on their way back: readers
// whose batches were refused with 5.03 and which retry them, or the
// ingest log while it cannot be read. While any is expected, the engine
// finalises no epoch their sightings fall in (Engine.HoldFrom and the
// watermark), so a retried batch that Ingest accepts is not dropped as
// late: without that, every batch a reader retries after a 5.03's Max-Age
// is behind the watermark when it comes, acknowledged and then lost.
type expected struct {
	window time.Duration
	mu     sync.Mutex // guards by
	by     map[string]expectation
	n      atomic.Int64 // len(by), read without mu on Ingest's path
	floor  atomic.Int64 // min ts over by; math.MaxInt64 when none
}

// expectation: sightings stamped ts or later are expected from a source
// until the clock passes until.
type expectation struct {
	ts    int64
	until time.Time
}

func newExpected(window time.Duration) *expected {
	x := &expected{window: window, by: map[string]expectation{}}
	x.floor.Store(math.MaxInt64)
	return x
}

// add expects source's sightings stamped ts or later for the window from
// now (an earlier expectation keeps its older ts).
func (x *expected) add(source string, ts int64, now time.Time) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if e, ok := x.by[source]; ok {
		ts = min(ts, e.ts)
	}
	x.by[source] = expectation{ts: ts, until: now.Add(x.window)}
	x.update()
}

// arrived notes that the engine took a batch of source: what it retried
// has come.
func (x *expected) arrived(source string) {
	if x.n.Load() == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, ok := x.by[source]; ok {
		delete(x.by, source)
		x.update()
	}
}

// expire forgets the sources not heard of for the window: a reader that
// gave its batch up, or the log once readable again for the window.
func (x *expected) expire(now time.Time) {
	if x.n.Load() == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for k, e := range x.by {
		if now.After(e.until) {
			delete(x.by, k)
		}
	}
	x.update()
}

// update recomputes n and floor; called with mu held.
func (x *expected) update() {
	floor := int64(math.MaxInt64)
	for _, e := range x.by {
		floor = min(floor, e.ts)
	}
	x.n.Store(int64(len(x.by)))
	x.floor.Store(floor)
}

// Expect tells the pipeline that sightings stamped ts or later are still
// to come from source: a reader whose batch was refused before it reached
// the pipeline (the ingest log could not take it) and which retries it
// after the 5.03's Max-Age, or the ingest log while it cannot be read
// (math.MinInt64: whatever is not final yet). Until a batch of that
// reader reaches the engine or Config.RetryWindow passes without a new
// Expect, the engine finalises no epoch such a sighting falls in, at most
// Config.MaxHold behind the wall clock's watermark. Batches Ingest itself
// refuses are expected without a call. Safe for concurrent use.
func (p *Pipeline) Expect(source string, ts int64) {
	p.expect.add(source, ts, p.cfg.Clock())
	p.metrics.expected.Set(float64(p.expect.n.Load()))
}

// holdFrom returns the event time from which the engine may finalise
// nothing now (math.MaxInt64: no hold), and holds the engine there. The
// engine stage calls it before it takes batches and at every tick.
func (p *Pipeline) holdFrom(now time.Time) int64 {
	h := p.expect.floor.Load()
	if h != math.MaxInt64 {
		h = max(h, now.UnixMilli()-p.lateness-p.cfg.MaxHold.Milliseconds())
	}
	if h != p.engine.hold {
		p.eng.HoldFrom(h)
		p.engine.hold = h
	}
	return h
}

// noteHold sets the hold gauges at a tick.
func (p *Pipeline) noteHold(now time.Time, h int64) {
	held := 0.0
	if h != math.MaxInt64 {
		held = max(float64(now.UnixMilli()-p.lateness-h)/1000, 0)
	}
	p.metrics.held.Set(held)
	p.metrics.expected.Set(float64(p.expect.n.Load()))
}

package pipeline

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of NewExpected's window and Config.MaxHold.
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

// Expected are the sources whose sightings are on their way back: readers
// whose batches were refused with 5.03 and which retry them, or the
// ingest log while it cannot be read. While any is expected, the engine
// finalises no epoch their sightings fall in (Engine.HoldFrom and the
// watermark), so a retried batch that Ingest accepts is not dropped as
// late: without that, every batch a reader retries after a 5.03's Max-Age
// is behind the watermark when it comes, acknowledged and then lost.
//
// A server keeps one Expected across the pipelines it runs (Config.Expected):
// what the ingest front refused while no engine ran here, or before the
// lease was lost and taken again, is still expected by the next one.
// It is safe for concurrent use.
type Expected struct {
	window time.Duration
	clock  func() time.Time
	mu     sync.Mutex // guards by
	by     map[string]expectation
	n      atomic.Int64 // len(by), read without mu on Ingest's path
	floor  atomic.Int64 // min ts over by; math.MaxInt64 when none
	// tagFloor is the min ts over the expectations (not the holds): a
	// reader's retried seconds are older than other readers' seconds of
	// the same tags, so the tags' own closing waits for them too.
	tagFloor atomic.Int64
	// raised is signalled when a Hold moves its source's hold on: the
	// engine stage finalises at once the epochs it lets go.
	raised chan struct{}
}

// expectation: sightings stamped ts or later are expected from a source
// until the clock passes until; hold marks a Hold, which holds the
// watermark only.
type expectation struct {
	ts    int64
	until time.Time
	hold  bool
}

// NewExpected returns an empty set whose expectations last window
// (0: DefaultRetryWindow) after the last news of their source, by clock
// (nil: time.Now).
func NewExpected(window time.Duration, clock func() time.Time) *Expected {
	if window <= 0 {
		window = DefaultRetryWindow
	}
	if clock == nil {
		clock = time.Now
	}
	x := &Expected{window: window, clock: clock, by: map[string]expectation{}, raised: make(chan struct{}, 1)}
	x.floor.Store(math.MaxInt64)
	x.tagFloor.Store(math.MaxInt64)
	return x
}

// Expect notes that sightings stamped ts or later are still to come from
// source: a reader whose batch was refused before it reached a pipeline
// (the ingest log could not take it) and which retries it after the
// 5.03's Max-Age, or the ingest log while it cannot be read (source
// ingest.LogOutage, ts math.MinInt64: whatever is not final yet). Until
// that reader's batches have caught up with the others' (see took), or
// the window passes without news of the source, the pipelines using x
// finalise no epoch such a sighting falls in, at most Config.MaxHold
// behind the wall clock's watermark. Batches a pipeline itself refuses
// are expected without a call. It must not block, and does not.
func (x *Expected) Expect(source string, ts int64) {
	now := x.clock()
	x.mu.Lock()
	defer x.mu.Unlock()
	if e, ok := x.by[source]; ok {
		ts = min(ts, e.ts)
	}
	x.by[source] = expectation{ts: ts, until: now.Add(x.window)}
	x.update()
}

// Hold holds the engine's watermark from ts for source (replacing its
// earlier ts), until Release(source), or the window passes without a new
// Hold: the ingest log's consumer holds it at its bar, so that logged
// sightings waiting for the engine are never behind the watermark when
// they come. Unlike Expect it leaves the tags' own closing alone (a tag's
// sighting more than the lateness behind a newer one of the same tag is
// late, as ever).
func (x *Expected) Hold(source string, ts int64) {
	now := x.clock()
	x.mu.Lock()
	defer x.mu.Unlock()
	if e, ok := x.by[source]; ok && e.hold && ts > e.ts {
		select {
		case x.raised <- struct{}{}:
		default:
		}
	}
	x.by[source] = expectation{ts: ts, until: now.Add(x.window), hold: true}
	x.update()
}

// FloorExcept returns the oldest stamp expected from any source but
// except (math.MaxInt64: none): the ingest log's consumer raises its bar
// no further, so that the front takes the retries the engine waits for.
func (x *Expected) FloorExcept(except string) int64 {
	floor := int64(math.MaxInt64)
	if x.n.Load() == 0 {
		return floor
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for k, e := range x.by {
		if k != except {
			floor = min(floor, e.ts)
		}
	}
	return floor
}

// Release ends source's expectation or hold.
func (x *Expected) Release(source string) {
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

// took notes that the engine took a batch of source whose newest
// sighting is at maxTS: a reader sends what it kept in order, so what is
// still to come from it is stamped maxTS or later; once its batches are
// no more than the lateness behind the newest event time (caughtUp),
// nothing of it can be late any more and it is no longer expected.
func (x *Expected) took(source string, maxTS int64, caughtUp bool) {
	if x.n.Load() == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	e, ok := x.by[source]
	if !ok {
		return
	}
	if caughtUp {
		delete(x.by, source)
	} else {
		x.by[source] = expectation{ts: max(e.ts, maxTS), until: x.clock().Add(x.window)}
	}
	x.update()
}

// expire forgets the sources not heard of for the window: a reader that
// gave its batch up, or the log once readable again for the window.
func (x *Expected) expire() {
	if x.n.Load() == 0 {
		return
	}
	now := x.clock()
	x.mu.Lock()
	defer x.mu.Unlock()
	for k, e := range x.by {
		if now.After(e.until) {
			delete(x.by, k)
		}
	}
	x.update()
}

// update recomputes n, floor and tagFloor; called with mu held.
func (x *Expected) update() {
	floor, tagFloor := int64(math.MaxInt64), int64(math.MaxInt64)
	for _, e := range x.by {
		floor = min(floor, e.ts)
		if !e.hold {
			tagFloor = min(tagFloor, e.ts)
		}
	}
	x.n.Store(int64(len(x.by)))
	x.floor.Store(floor)
	x.tagFloor.Store(tagFloor)
}

// holdFrom returns the event time from which the engine may finalise
// nothing now (math.MaxInt64: no hold), for the watermark, and holds the
// tags' own closing at the expectations' floor. The engine stage calls it
// before it takes batches and at every tick. Both are at most MaxHold
// behind the wall clock's watermark.
func (p *Pipeline) holdFrom(now time.Time) int64 {
	bound := now.UnixMilli() - p.lateness - p.cfg.MaxHold.Milliseconds()
	capped := func(h int64) int64 {
		if h == math.MaxInt64 {
			return h
		}
		return max(h, bound)
	}
	if ht := capped(p.expect.tagFloor.Load()); ht != p.engine.hold {
		p.eng.HoldFrom(ht)
		p.engine.hold = ht
	}
	return capped(p.expect.floor.Load())
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

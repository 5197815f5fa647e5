package location

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"

	"github.com/hospitalrtls/rtls/floorplans"
)

// Errors returned by Engine.Add. Each is counted in Stats.
var (
	// ErrUnknownReader: the sighting names a reader the floorplan lacks.
	ErrUnknownReader = errors.New("location: unknown reader")
	// ErrImpossibleRSSI: the RSSI lies outside -120..0 dBm or is not a number.
	ErrImpossibleRSSI = errors.New("location: impossible rssi")
	// ErrLate: the sighting is older than the tag's last finalised epoch.
	ErrLate = errors.New("location: sighting too late")
	// ErrDuplicate: the same sighting was already accepted.
	ErrDuplicate = errors.New("location: duplicate sighting")
	// ErrEmptyTag: the sighting has no tag id.
	ErrEmptyTag = errors.New("location: empty tag id")
)

// Stats counts what the engine did with its input.
type Stats struct {
	Accepted       uint64 // sightings buffered for use
	UnknownReader  uint64
	ImpossibleRSSI uint64
	Late           uint64
	Duplicates     uint64
	EmptyTag       uint64
	// ReaderSightings are sightings of one reader by another: they
	// calibrate the receiving reader and are not tracked as a tag.
	ReaderSightings uint64
	Updates         uint64 // positions computed
	// StillUpdates of them were reported from a still tag's previous
	// update, its readings unchanged beyond noise.
	StillUpdates uint64
	// Ahead counts the epochs of tags computed ahead of their barrier
	// (Engine.Ahead), AheadDiscarded those of them discarded because a
	// sighting came for the epoch afterwards.
	Ahead, AheadDiscarded uint64
	Tags                  int // tags tracked
}

// Engine turns sightings into positions in event time. Each tag's
// sightings are buffered until its watermark (the newest sighting of the
// tag, or the watermark given to Flush, minus the configured lateness)
// passes the end of an epoch; the epoch is then computed, at the next
// barrier (Flush or Drain), from sightings up to its end only, and never
// revised. Same configuration and input order (including where the
// barriers fall in it) give the same output, whatever the number of
// workers (Config.Workers) and whether epochs were computed ahead of their
// barrier (Ahead): see shard.go.
//
// An Engine is not safe for concurrent use: one goroutine owns it and
// calls Add, Flush and Drain; Flush and Drain compute on the workers.
type Engine struct {
	cfg  Config
	site *site
	// learned is the state learned across tags; cal is this goroutine's
	// view of it (workers have their own).
	learned *learned
	cal     calView
	like    likeScratch

	tags  map[string]*tracker
	dirty []*tracker // tags with pending sightings, for Flush
	// due are the tags whose own watermark closed a pending epoch since
	// the last barrier, in the order it happened.
	due     []*tracker
	work    []*tracker // the tags a barrier computes, in commit order
	spans   []span
	workers []*worker
	// addObs are the observations Add made (readers hearing readers),
	// applied at the next barrier before the workers'.
	addObs obsBuf
	// solo computes tags read between barriers (settle) into early.
	solo  *worker
	early map[*tracker]*stash
	// ahead lists the tags the last Ahead began to compute, at aheadAt
	// (Flush's watermark then), up to aheadNext so far; aheadFree holds
	// the results not in use.
	ahead     []*tracker
	aheadAt   int64
	aheadNext int
	aheadFree []*ahead
	// arenas hold what each worker computed during the last Ahead.
	arenas []arena
	out    []Position
	stats  Stats
	// flushed is the newest watermark Flush finalised for every tag.
	flushed   int64
	lastEvict int64
	// hold is the event time from which a tag's own sightings finalise
	// nothing (HoldFrom); math.MaxInt64: none.
	hold int64
}

// New builds an engine for a validated plan.
func New(plan *floorplans.Plan, cfg Config) (*Engine, error) {
	cfg, err := cfg.Resolved()
	if err != nil {
		return nil, err
	}
	if plan == nil || len(plan.Levels) == 0 {
		return nil, fmt.Errorf("%w: plan has no levels", ErrConfig)
	}
	s := newSite(plan, cfg)
	e := &Engine{cfg: cfg, site: s, tags: map[string]*tracker{}, flushed: math.MinInt64, hold: math.MaxInt64,
		learned: &learned{cal: newCalibration(len(s.readers), &cfg)}}
	e.cal = newCalView(e.learned, &e.addObs)
	e.arenas = make([]arena, cfg.workers())
	for range cfg.workers() {
		e.workers = append(e.workers, newWorker(e))
	}
	return e, nil
}

// Config returns the effective configuration.
func (e *Engine) Config() Config { return e.cfg }

// Stats returns the counters so far.
func (e *Engine) Stats() Stats {
	s := e.stats
	s.Tags = len(e.tags)
	return s
}

// Tracking reports whether the engine tracks tag (it has state for it).
func (e *Engine) Tracking(tag string) bool {
	_, ok := e.tags[tag]
	return ok
}

// IsReader reports whether id names a reader of the plan: sightings of a
// reader calibrate the receiving one and are not tracked.
func (e *Engine) IsReader(id string) bool {
	_, ok := e.site.readerOf[id]
	return ok
}

// Add buffers one sighting. Sightings that cannot be used are rejected
// with an error (and counted); nothing else changes.
func (e *Engine) Add(s Sighting) error {
	ri, ok := e.site.readerOf[s.Reader]
	switch {
	case s.Tag == "":
		e.stats.EmptyTag++
		return ErrEmptyTag
	case !ok:
		e.stats.UnknownReader++
		return ErrUnknownReader
	case math.IsNaN(s.RSSI) || s.RSSI > 0 || s.RSSI < -120:
		e.stats.ImpossibleRSSI++
		return ErrImpossibleRSSI
	}
	if from, isReader := e.site.readerOf[s.Tag]; isReader {
		if s.TS <= e.flushed {
			e.stats.Late++
			return ErrLate
		}
		e.stats.ReaderSightings++
		if e.cfg.Calibrate {
			// learned from as of its epoch's end, as a tag's readings are
			e.learnFromReader(ri, from, ceilDiv(s.TS, e.cfg.EpochMS)*e.cfg.EpochMS, s.RSSI)
		}
		return nil
	}
	t := e.tags[s.Tag]
	if t == nil {
		t = newTracker(s.Tag, e.cfg, tagSeed(e.cfg.Seed, s.Tag))
		e.tags[s.Tag] = t
	}
	if s.TS <= max(t.done, t.closed, e.flushed) {
		e.stats.Late++
		return ErrLate
	}
	p := pending{ts: s.TS, reader: int32(ri), rssi: float32(s.RSSI)}
	if slices.Contains(t.pending, p) {
		e.stats.Duplicates++
		return ErrDuplicate
	}
	if a := t.ahead; a != nil && a.end != 0 && s.TS <= a.end {
		a.end = 0
		e.stats.AheadDiscarded++
	}
	if !t.inDirty {
		t.inDirty = true
		e.dirty = append(e.dirty, t)
	}
	t.pending = append(t.pending, p)
	t.firstEnd = min(t.firstEnd, ceilDiv(s.TS, e.cfg.EpochMS)*e.cfg.EpochMS)
	e.stats.Accepted++
	if s.TS > t.maxTS {
		t.maxTS = s.TS
		e.close(t)
	}
	return nil
}

// close moves t's own watermark to its newest sighting minus the
// lateness, short of the hold, and queues t when that closes a pending
// epoch.
func (e *Engine) close(t *tracker) {
	to := floorDiv(t.maxTS-e.cfg.LatenessMS, e.cfg.EpochMS) * e.cfg.EpochMS
	if e.hold != math.MaxInt64 {
		to = min(to, floorDiv(e.hold-1, e.cfg.EpochMS)*e.cfg.EpochMS)
	}
	t.closed = max(t.closed, to)
	if !t.queued && t.firstEnd <= t.closed {
		t.queued = true
		e.due = append(e.due, t)
	}
}

// HoldFrom keeps the tags' own sightings from finalising any epoch that a
// sighting stamped ts or later would fall in, until HoldFrom is called
// again (math.MaxInt64 lifts the hold): the live server holds while
// sightings it refused are on their way back (a reader retrying a batch
// answered 5.03), so that they are not late when they come. Epochs
// already finalised stay so; Flush's watermark is the caller's to hold
// likewise. Moving the hold later closes what the tags' sightings
// closed meanwhile.
func (e *Engine) HoldFrom(ts int64) {
	later := ts > e.hold
	e.hold = ts
	if !later {
		return
	}
	for _, t := range e.dirty {
		e.close(t)
	}
}

// Flush finalises every epoch that ends at or before watermark (epoch ms)
// for all tags, and returns the positions computed since the last Flush or
// Drain: per tag in time order, tags in an order that depends on the input
// only. Live servers call it with the wall clock minus the lateness;
// replay calls it with math.MaxInt64 at the end of input.
func (e *Engine) Flush(watermark int64) []Position {
	if watermark != math.MaxInt64 {
		e.flushed = max(e.flushed, floorDiv(watermark, e.cfg.EpochMS)*e.cfg.EpochMS)
	}
	e.work = append(e.work, e.due...)
	keep := e.dirty[:0]
	for _, t := range e.dirty {
		if len(t.pending) == 0 {
			t.inDirty = false
			continue
		}
		keep = append(keep, t)
		if !t.queued && (watermark == math.MaxInt64 || t.firstEnd <= e.flushed) {
			e.work = append(e.work, t)
		}
	}
	clear(e.dirty[len(keep):])
	e.dirty = keep
	e.barrier(watermark)
	if watermark != math.MaxInt64 {
		e.evict(watermark)
	}
	return e.take()
}

// Drain finalises the epochs the tags' own sightings have closed (their
// newest sighting minus the lateness passed their end), without moving
// the watermark of Flush, and returns the positions computed since the
// last Flush or Drain. Replays call it as event time moves on (Replayer),
// so that what is learned across tags takes effect.
func (e *Engine) Drain() []Position {
	e.work = append(e.work, e.due...)
	e.barrier(math.MinInt64)
	return e.take()
}

// barrier computes the tags of e.work (each up to max(its own watermark,
// wm)) and commits what was learned since the last barrier.
func (e *Engine) barrier(wm int64) {
	clear(e.due)
	e.due = e.due[:0]
	for _, t := range e.work {
		t.queued = false
	}
	e.learned.applyAll(e.addObs.obs, e.addObs.pws)
	e.addObs.reset()
	e.learned.settle()
	e.run(wm)
}

func (e *Engine) take() []Position {
	out := e.out
	e.out = nil
	return out
}

// evict forgets tags not updated for EvictAfterMS (checked once a minute of
// watermark), so memory follows the tags present, not every tag ever seen.
func (e *Engine) evict(wm int64) {
	if wm-e.lastEvict < 60_000 {
		return
	}
	e.lastEvict = wm
	for id, t := range e.tags {
		if len(t.pending) == 0 && t.last < wm-e.cfg.EvictAfterMS {
			delete(e.tags, id)
		}
	}
}

// advance computes every epoch of t that ends at or before wm.
func (w *worker) advance(t *tracker, wm int64) {
	e := &w.ctx
	ep := e.cfg.EpochMS
	limit := wm
	if wm != math.MaxInt64 {
		limit = floorDiv(wm, ep) * ep
	}
	if a := t.ahead; a != nil && a.end != 0 && a.end <= limit && t.firstEnd == a.end {
		w.adopt(t, a)
	}
	for len(t.pending) > 0 && t.firstEnd <= limit {
		end := t.firstEnd
		obs := t.take(end, ep, e.like.obs)
		e.like.obs = obs
		if pos, ok := t.step(e, end, obs); ok {
			w.out = append(w.out, pos)
		}
		t.done = end
	}
	if limit != math.MaxInt64 && limit > t.done {
		t.done = limit
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }

func tagSeed(seed uint64, tag string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(tag))
	return h.Sum64() ^ seed
}

package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

// Source is the log's read end and the store's record of what is written
// (redisstore.Store).
type Source interface {
	// ReadIngest returns up to count entries after afterID ("0": from the
	// oldest), waiting up to block for one.
	ReadIngest(ctx context.Context, afterID string, count int, block time.Duration) ([]redisstore.IngestEntry, error)
	// IngestWatermark returns the highest store.Update.Watermark written.
	IngestWatermark(ctx context.Context) (int64, error)
	// GetPositions returns the stored positions of those of tags that have one.
	GetPositions(ctx context.Context, tags []string) ([]location.Position, error)
}

// Trimmer is the owner's side of the log, under its fencing token
// (redisstore.Fenced): it drops the entries before an id, records how far
// the engine took the log (the front's admission by lag), and raises the
// ingest bar.
type Trimmer interface {
	TrimIngest(ctx context.Context, minID string) error
	SetIngestCursor(ctx context.Context, id string, ttl time.Duration) error
	RaiseIngestBar(ctx context.Context, bar int64) (string, error)
}

// Cursor timing: the consumer records how far it took the log every
// cursorEvery, for cursorTTL, so that the front's lag check measures the
// consumer within cursorEvery, and a dead consumer's cursor lapses before
// a standby takes over (the lease's TTL is 5 s by default).
const (
	cursorEvery = 250 * time.Millisecond
	cursorTTL   = 2 * time.Second
)

// Sink takes the consumed batches, acknowledged already: the pipeline
// (pipeline.Pipeline.Take).
type Sink interface {
	Take(ctx context.Context, ss []location.Sighting) error
}

// ConsumerConfig tunes a Consumer.
type ConsumerConfig struct {
	// EpochMS is the engine's epoch (location.Config.EpochMS): a sighting
	// is processed once an epoch ending at or after it is finalised.
	EpochMS int64
	// Queue is the pipeline's queue length (pipeline.Config.Queue, 4096
	// when 0): Resume queues the replay in at most half of it, before the
	// pipeline runs.
	Queue int
	// TrimEvery is how often the log is trimmed behind Progress; 0 is 1 s.
	TrimEvery time.Duration
	// Logger receives the consumer's logs (no tag ids); nil discards them.
	Logger *slog.Logger
	// LatenessMS is the engine's lateness (location.Config.LatenessMS),
	// and Clock the server's clock (nil: time.Now), for the ingest bar.
	LatenessMS int64
	Clock      func() time.Time
	// Expected, when not nil, is where the consumer tells the engine what
	// is still to come (pipeline.Expected), and the consumer runs the
	// ingest bar (see raiseBar): it holds the engine (source LogBacklog)
	// up to the bar below which every logged sighting is handed over, so
	// that no logged sighting is late when it comes. At every failed read it
	// expects (LogOutage, math.MinInt64): while the log cannot be read,
	// and for the readers' retry window after, the engine finalises
	// nothing more, so that neither the logged batches waiting in it nor
	// the batches readers were refused meanwhile on any instance are late
	// when they come.
	Expected Waiter
}

// Waiter is the engine's wait for sightings on their way
// (pipeline.Expected).
type Waiter interface {
	Expect(source string, ts int64)
	Hold(source string, ts int64)
	FloorExcept(source string) int64
}

// Sources the consumer names to ConsumerConfig.Expected.
const (
	LogOutage  = "ingest log outage"
	LogBacklog = "ingest log backlog"
)

// Consumer feeds the log to the pipeline on the instance that owns the
// site's engine, and trims the log behind what is written. One goroutine
// calls Resume, then Run.
type Consumer struct {
	src  Source
	trim Trimmer
	cfg  ConsumerConfig
	log  *slog.Logger
	// last is the id of the newest entry read ("0": none); handed counts
	// the batches the sink accepted, and cuts says up to which entry the
	// log may be trimmed once that many are processed. Owned by the
	// caller of Resume and Run.
	last     string
	handed   uint64
	cuts     []cut
	lastTrim time.Time
	// taken is the id of the newest entry the sink took (or Resume
	// read), cursorAt when it was last recorded (SetIngestCursor).
	taken    string
	cursorAt time.Time
	// The ingest bar (raiseBar): newest is the newest stamp handed; safe
	// the bar up to which every logged sighting is handed (MinInt64:
	// none yet); barTo the bar raised last, barWant what it would have
	// been without the retries the engine waits for, and barID the log's
	// newest entry then ("": none pending); barAt when it was raised.
	newest, safe, barTo, barWant int64
	barID                        string
	barAt                        time.Time
	// progress is the pipeline's count of processed and written batches
	// (Progress).
	progress atomic.Uint64
}

// runCount is how many entries Run reads at a time.
const runCount = 256

// cut: once the sink's first n accepted batches are processed and
// written, every entry up to id is.
type cut struct {
	n  uint64
	id string
}

// Progress is the pipeline's Config.Progress: its first n accepted
// batches are processed and their results written. It only notes n; Run
// trims the log behind it.
func (c *Consumer) Progress(n uint64) {
	for {
		old := c.progress.Load()
		if n <= old || c.progress.CompareAndSwap(old, n) {
			return
		}
	}
}

// NewConsumer returns a consumer of src trimming through trim.
func NewConsumer(src Source, trim Trimmer, cfg ConsumerConfig) *Consumer {
	if cfg.EpochMS <= 0 {
		cfg.EpochMS = location.Defaults().EpochMS
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 4096
	}
	if cfg.TrimEvery <= 0 {
		cfg.TrimEvery = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return &Consumer{src: src, trim: trim, cfg: cfg, log: cfg.Logger, last: "0", newest: math.MinInt64, safe: math.MinInt64, barWant: math.MinInt64}
}

// Replay says what Resume found in the log.
type Replay struct {
	Entries   int   // entries in the log
	Sightings int   // sightings in them
	Queued    int   // of which queued again: not yet processed and written
	Watermark int64 // the written watermark (ms) they were judged by
}

// Resume reads the whole log, the written watermark and the stored
// positions of the tags in it, and queues into sink, in log order, the
// sightings not yet processed: those after the last finalised epoch of
// the watermark and after their tag's stored position. Call it before the
// pipeline runs, on a fresh engine restored from the store: the queued
// sightings then all reach the engine before its first flush, so none is
// late. Already written sightings are not queued again, so their
// positions and events are not repeated.
func (c *Consumer) Resume(ctx context.Context, sink Sink) (Replay, error) {
	wm, err := c.src.IngestWatermark(ctx)
	if err != nil {
		return Replay{}, err
	}
	done := int64(math.MinInt64)
	if wm > 0 {
		done = floorDiv(wm, c.cfg.EpochMS) * c.cfg.EpochMS
	}
	r := Replay{Watermark: wm}
	var batches [][]location.Sighting
	for {
		es, err := c.src.ReadIngest(ctx, c.last, 1000, 0)
		if err != nil {
			return r, err
		}
		for _, e := range es {
			ss := c.take(e)
			r.Entries++
			r.Sightings += len(ss)
			batches = append(batches, ss)
		}
		if len(es) < 1000 {
			break
		}
	}
	after, err := c.written(ctx, batches)
	if err != nil {
		return r, err
	}
	var todo []location.Sighting
	for _, ss := range batches {
		for _, s := range ss {
			if s.TS > done && s.TS > after[s.Tag] {
				todo = append(todo, s)
			}
		}
	}
	r.Queued = len(todo)
	size := max(256, (len(todo)+c.cfg.Queue/2-1)/max(1, c.cfg.Queue/2))
	for len(todo) > 0 {
		n := min(size, len(todo))
		if err := sink.Take(ctx, todo[:n:n]); err != nil {
			return r, err
		}
		c.handed++
		todo = todo[n:]
	}
	if r.Entries > 0 {
		// the replayed entries are processed once the last chunk is (or
		// at once when nothing of them needed queueing)
		c.cuts = append(c.cuts, cut{n: c.handed, id: c.last})
	}
	c.taken = c.last
	return r, nil
}

// written returns, by tag, the time of its stored position: its sightings
// up to then are processed.
func (c *Consumer) written(ctx context.Context, batches [][]location.Sighting) (map[string]int64, error) {
	seen := make(map[string]bool)
	var tags []string
	for _, ss := range batches {
		for _, s := range ss {
			if !seen[s.Tag] {
				seen[s.Tag] = true
				tags = append(tags, s.Tag)
			}
		}
	}
	out := make(map[string]int64, len(tags))
	for _, t := range tags {
		out[t] = math.MinInt64
	}
	for chunk := range slices.Chunk(tags, 1000) {
		ps, err := c.src.GetPositions(ctx, chunk)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			out[p.Tag] = p.TS
		}
	}
	return out, nil
}

// take decodes entry e; a corrupt entry is logged and skipped.
func (c *Consumer) take(e redisstore.IngestEntry) []location.Sighting {
	c.last = e.ID
	ss, err := decode(e.Data)
	if err != nil {
		c.log.Error("skipping a corrupt ingest log entry", "id", e.ID, "err", err)
		return nil
	}
	return ss
}

// Run hands the log's new entries to sink, in order, until ctx ends, and
// trims the log every TrimEvery behind the batches the pipeline reported
// processed and written (Progress). A batch the sink refuses (the engine
// busy or the store behind) is offered again: an entry is never skipped.
func (c *Consumer) Run(ctx context.Context, sink Sink) error {
	for ctx.Err() == nil {
		c.raiseBar(ctx)
		es, err := c.src.ReadIngest(ctx, c.last, runCount, 500*time.Millisecond)
		if err != nil {
			if ctx.Err() == nil {
				if c.cfg.Expected != nil {
					c.cfg.Expected.Expect(LogOutage, math.MinInt64)
				}
				c.log.Warn("ingest log read failed; will retry", "err", err)
				sleep(ctx, 200*time.Millisecond)
			}
			continue
		}
		for _, e := range es {
			if ss := c.take(e); len(ss) > 0 {
				if !c.hand(ctx, sink, ss) {
					return nil
				}
				c.handed++
				_, newest := location.StampRange(ss)
				c.newest = max(c.newest, newest)
			}
			c.taken = e.ID
			c.cuts = append(c.cuts, cut{n: c.handed, id: e.ID})
			c.recordCursor(ctx)
		}
		c.recordCursor(ctx)
		if time.Since(c.lastTrim) >= c.cfg.TrimEvery {
			c.lastTrim = time.Now()
			c.trimProcessed(ctx)
		}
	}
	// Record how far it took, so that the fronts do not judge the log's
	// lag by a cursor up to cursorEvery old until it lapses (a stopping
	// owner took entries after it); fenced, so a lost lease writes nothing.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	c.writeCursor(fctx)
	return nil
}

// raiseBar runs the ingest bar (with ConsumerConfig.Expected): every
// barEvery it raises the bar to the newest event time (the newest stamp
// handed, or the clock) minus the lateness, and learns the id of the
// log's newest entry then; once every entry up to that id is handed, no
// sighting at or before that bar can still come (the front refuses them
// since), so the engine is held only up to it (Hold(LogBacklog)). The
// engine never finalises past a sighting acknowledged into the log and
// not yet handed over, whatever the log's lag.
func (c *Consumer) raiseBar(ctx context.Context) {
	x := c.cfg.Expected
	if x == nil {
		return
	}
	c.barDrained(x)
	if c.barID != "" {
		return
	}
	want := max(c.newest, c.cfg.Clock().UnixMilli()) - c.cfg.LatenessMS
	// every barEvery, and at once when the bar would pass the end of an
	// epoch: the engine finalises that epoch as soon as the bar is drained
	since := time.Since(c.barAt)
	if since < barEvery && (since < barMinEvery || floorDiv(want, c.cfg.EpochMS) <= floorDiv(c.barWant, c.cfg.EpochMS)) {
		return
	}
	// not past what the engine waits for (readers' retries after a store
	// outage): the front must take those
	to := want
	if f := x.FloorExcept(LogBacklog); f <= to {
		if f == math.MinInt64 { // the log outage: whatever is not final
			return
		}
		to = f - 1
	}
	if to <= c.safe {
		return
	}
	c.barAt, c.barWant = time.Now(), want
	id, err := c.trim.RaiseIngestBar(ctx, to)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("cannot raise the ingest bar; the engine waits", "err", err)
		}
		return
	}
	c.barTo, c.barID = to, id
	c.barDrained(x) // often at once: everything logged was handed
}

// barDrained moves the engine's hold up to the bar once every log entry
// up to it is handed over.
func (c *Consumer) barDrained(x Waiter) {
	if c.barID != "" && !idLess(c.taken, c.barID) {
		c.safe, c.barID = c.barTo, ""
	}
	if c.safe != math.MinInt64 {
		// from the first bar on (at start the engine runs on the clock:
		// the first bar is drained within a read or two)
		x.Hold(LogBacklog, c.safe+1)
	}
}

// barEvery is how often the consumer raises the ingest bar; at the end of
// an epoch it does at once, but not more often than barMinEvery (sightings
// stamped ahead of the clock pass an epoch with every batch).
const (
	barEvery    = 250 * time.Millisecond
	barMinEvery = 20 * time.Millisecond
)

// idLess reports whether stream id a ("<ms>-<seq>", or "0") is before b.
func idLess(a, b string) bool {
	am, as, _ := parseID(a)
	bm, bs, _ := parseID(b)
	return am < bm || am == bm && as < bs
}

// parseID splits stream id "<ms>-<seq>" ("0" is 0-0).
func parseID(id string) (ms, seq uint64, err error) {
	m, q, ok := strings.Cut(id, "-")
	ms, err = strconv.ParseUint(m, 10, 64)
	if err == nil && ok {
		seq, err = strconv.ParseUint(q, 10, 64)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("%w: id %q", ErrCorrupt, id)
	}
	return ms, seq, nil
}

// hand offers ss to sink until it takes it; false when ctx ended first.
func (c *Consumer) hand(ctx context.Context, sink Sink, ss []location.Sighting) bool {
	warned := false
	for {
		actx, cancel := context.WithTimeout(ctx, time.Second)
		err := sink.Take(actx, ss)
		cancel()
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if !warned {
			c.log.Warn("pipeline refuses logged sightings; offering them again", "err", err)
			warned = true
		}
		c.recordCursor(ctx) // still here, not moving: the front refuses by lag
		sleep(ctx, 100*time.Millisecond)
	}
}

// recordCursor records, every cursorEvery, how far the sink took the log,
// for the front's admission by lag.
func (c *Consumer) recordCursor(ctx context.Context) {
	if time.Since(c.cursorAt) < cursorEvery {
		return
	}
	c.cursorAt = time.Now()
	c.writeCursor(ctx)
}

// writeCursor records how far the consumer took the log (the fronts'
// admission by lag).
func (c *Consumer) writeCursor(ctx context.Context) {
	id := c.taken
	if id == "0" || id == "" {
		id = "0-0"
	}
	if err := c.trim.SetIngestCursor(ctx, id, cursorTTL); err != nil && ctx.Err() == nil {
		c.log.Warn("cannot record the ingest log cursor; will retry", "err", err)
	}
}

// trimProcessed drops the entries whose batches the pipeline reported
// processed and written.
func (c *Consumer) trimProcessed(ctx context.Context) {
	done := c.progress.Load()
	k := 0
	for k < len(c.cuts) && c.cuts[k].n <= done {
		k++
	}
	if k == 0 {
		return
	}
	minID, err := nextID(c.cuts[k-1].id)
	if err != nil {
		c.log.Error("cannot trim the ingest log", "err", err)
		return
	}
	if err := c.trim.TrimIngest(ctx, minID); err != nil {
		if ctx.Err() == nil {
			c.log.Warn("ingest log trim failed; will retry", "err", err)
		}
		return
	}
	c.cuts = slices.Delete(c.cuts, 0, k)
}

// nextID returns the stream id right after id ("<ms>-<seq>").
func nextID(id string) (string, error) {
	ms, seq, err := parseID(id)
	if err != nil {
		return "", err
	}
	return strconv.FormatUint(ms, 10) + "-" + strconv.FormatUint(seq+1, 10), nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

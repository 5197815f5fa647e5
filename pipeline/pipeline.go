// Package pipeline is the live path between the reader front and the
// store: it feeds sightings to the location engine in event time, runs the
// geofence rules on the positions it computes, and writes positions, events
// and the geofence state to the store in one atomic update. One goroutine
// owns both engines; the API's zone, rule and tag changes and reads are
// executed by that goroutine too (see admin.go), so the engines need no
// locks and a create checks and writes in one step.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync/atomic"
	"time"

	"github.com/hospitalrtls/rtls/analytics"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/alert"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/location/trail"
	"github.com/hospitalrtls/rtls/store"
)

// ErrBusy is returned by Ingest when the engine cannot take a batch in time,
// or the store is behind more than Config.MaxBacklogAge; the reader's
// batch then fails with 5.03 and the reader retries it.
var ErrBusy = errors.New("pipeline: engine busy")

// ErrStopped is returned by admin calls after the pipeline stopped.
var ErrStopped = errors.New("pipeline: stopped")

// ErrUnwritten is returned by Run when it stops with updates the store
// did not take within the shutdown budget.
var ErrUnwritten = errors.New("pipeline: updates not written at shutdown")

// Writer is the part of the store the pipeline writes to.
type Writer interface {
	Apply(ctx context.Context, u store.Update) ([]geofence.Event, error)
	// ExpirePositions deletes tags whose position is older than before
	// (event time, ms); see store.Store.
	ExpirePositions(ctx context.Context, before int64) (int, error)
}

// Config tunes the pipeline.
type Config struct {
	// Tick is how often the watermark advances and results are written.
	Tick time.Duration
	// Queue is how many batches may wait for the engine.
	Queue int
	// MaxBacklog bounds the updates kept for retry while the store fails;
	// beyond it, the positions of queued updates are dropped (never their
	// events or geofence state).
	MaxBacklog int
	// MaxBacklogAge bounds how long updates may wait for the store: while
	// the oldest waits longer, Ingest answers ErrBusy. 0 is 30 s.
	MaxBacklogAge time.Duration
	// FirstSeq is the write sequence number to continue from (the store's
	// LastSeq after a restart).
	FirstSeq uint64
	// Trail thins the positions kept as trail points.
	Trail trail.Config
	// ShutdownBudget bounds how long Run keeps retrying writes when
	// stopping; 0 is 5 s.
	ShutdownBudget time.Duration
	// WriteTimeout bounds one store write (Apply, ExpirePositions), so that
	// a hung store cannot block the engine for ever; a write that times
	// out is retried, in order and applied once (Update.Seq). 0 is 2 s.
	WriteTimeout time.Duration
	// StoredConfig is the configuration in the store at start, by kind and
	// id (store.LoadConfig): the start of the copy RestoreConfig writes.
	StoredConfig map[string]map[string][]byte
	// Analytics, when not nil, aggregates the visits each update closes;
	// its Ops are written in the same update (Update.Analytics). Run owns
	// it.
	Analytics *analytics.Aggregator
	// Clock is the wall clock; nil is time.Now.
	Clock func() time.Time
	// Logger receives the pipeline's logs; nil discards them.
	Logger *slog.Logger
	// Tags decides which new tags the engine starts tracking. Tags the
	// engine forgets (location.Config.EvictAfterMS, in event time) are
	// deleted from the store as well, checked once a minute.
	Tags TagPolicy
	// Alerts turns button and battery reports into DURESS and LOW_BATTERY
	// events (see alerts.go); nil ignores those reports.
	Alerts *alert.Detector
}

// Pipeline runs the engines and writes their results.
type Pipeline struct {
	cfg     Config
	eng     *location.Engine
	fence   *geofence.Engine
	thin    *trail.Thinner // owned by Run
	w       Writer
	in      chan []location.Sighting
	cmds    chan command
	stopped chan struct{}
	log     *slog.Logger
	metrics *Metrics
	// seq numbers the updates; backlog holds those not yet written, in
	// order, each retried unchanged so the store can drop a repeat. Both
	// are owned by Run.
	seq     uint64
	backlog []store.Update
	// queuedAt holds when each backlog update was queued (Clock); owned
	// by Run. overdue is set by Run while the oldest is older than
	// MaxBacklogAge and read by Ingest.
	queuedAt []time.Time
	overdue  atomic.Bool
	// config is the copy of the stored configuration (see RestoreConfig);
	// owned by Run.
	config map[string]map[string][]byte
	// pending collects what the next update carries; owned by Run.
	pending store.Update
	// newest is the latest event time of a position seen; owned by Run.
	newest int64
	// adm applies the tag policy; lastExpire is the watermark of the last
	// store expiry. Both are owned by Run.
	adm        *admission
	lastExpire int64
	// progressed is the newest Update.Watermark queued; owned by Run.
	progressed int64
}

// New builds a pipeline around the engines and a store writer.
func New(cfg Config, eng *location.Engine, fence *geofence.Engine, w Writer, m *Metrics) *Pipeline {
	if cfg.Tick <= 0 {
		cfg.Tick = 250 * time.Millisecond
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 4096
	}
	if cfg.MaxBacklog <= 0 {
		cfg.MaxBacklog = 240 // a minute of ticks
	}
	if cfg.ShutdownBudget <= 0 {
		cfg.ShutdownBudget = 5 * time.Second
	}
	if cfg.MaxBacklogAge <= 0 {
		cfg.MaxBacklogAge = 30 * time.Second
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 2 * time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	var reg Registry
	if fence != nil {
		reg = fence
	}
	p := &Pipeline{cfg: cfg, eng: eng, fence: fence, thin: trail.NewThinner(cfg.Trail), w: w, in: make(chan []location.Sighting, cfg.Queue),
		cmds: make(chan command), stopped: make(chan struct{}), log: cfg.Logger, metrics: m, seq: cfg.FirstSeq,
		adm: newAdmission(cfg.Tags, reg, cfg.Clock), config: make(map[string]map[string][]byte)}
	for kind, byID := range cfg.StoredConfig {
		p.config[kind] = maps.Clone(byID)
	}
	return p
}

// Ingest queues one batch of validated sightings for the engine. It
// implements rfid.Sink.
func (p *Pipeline) Ingest(ctx context.Context, ss []location.Sighting) error {
	if p.overdue.Load() {
		p.metrics.busy.Inc()
		return ErrBusy
	}
	select {
	case p.in <- ss:
		return nil
	case <-p.stopped:
		return ErrStopped
	case <-ctx.Done():
		p.metrics.busy.Inc()
		return ErrBusy
	}
}

// Run owns the engines until ctx ends: it adds queued sightings, advances
// the watermark every tick and writes what came out. On return it has
// written (or tried for a few seconds to write) everything finalised.
func (p *Pipeline) Run(ctx context.Context) error {
	defer close(p.stopped)
	t := time.NewTicker(p.cfg.Tick)
	defer t.Stop()
	for {
		select {
		case ss := <-p.in:
			if p.add(ss) {
				p.commit(ctx) // a DURESS does not wait for the tick
			}
		case c := <-p.cmds:
			p.execute(ctx, c)
		case <-t.C:
			// Sightings that queued while a write was slow go in before
			// the watermark moves on, so that they are not late.
			p.drainQueue()
			wm := p.watermark()
			p.pending.Watermark = wm // the progress of an ingest log (progress.go)
			p.step(ctx, p.eng.Flush(wm))
			p.expire(ctx)
		case <-ctx.Done():
			return p.shutdown()
		}
	}
}

// shutdown writes what the engines have finalised, retrying failed writes
// for up to the shutdown budget.
func (p *Pipeline) shutdown() error {
	p.drainQueue()
	ctx, cancel := context.WithTimeout(context.Background(), p.cfg.ShutdownBudget)
	defer cancel()
	p.step(ctx, p.eng.Drain())
	for len(p.backlog) > 0 {
		select {
		case <-ctx.Done():
			events := 0
			for _, u := range p.backlog {
				events += len(u.Events)
			}
			return fmt.Errorf("%w: %d updates with %d events", ErrUnwritten, len(p.backlog), events)
		case <-time.After(p.cfg.Tick):
			p.commit(ctx)
		}
	}
	return nil
}

func (p *Pipeline) drainQueue() {
	for {
		select {
		case ss := <-p.in:
			p.add(ss)
		default:
			return
		}
	}
}

// watermark is the event time up to which sightings are taken as complete.
func (p *Pipeline) watermark() int64 {
	return p.cfg.Clock().UnixMilli() - p.eng.Config().LatenessMS
}

// add gives the sightings to the engine and their button and battery
// reports to the alerts; it reports whether an urgent event is pending.
func (p *Pipeline) add(ss []location.Sighting) (urgent bool) {
	for _, s := range ss {
		err := p.adm.admit(p.eng, s)
		if err == nil {
			err = p.eng.Add(s)
		} else {
			// a tag the policy does not track keeps no battery state, but
			// its duress button still counts
			s.HasBattery = false
		}
		p.metrics.count(err)
		if (s.Button || s.HasBattery) && p.cfg.Alerts != nil {
			urgent = p.alert(s) || urgent
		}
	}
	p.noteCap()
	return urgent
}

// noteCap logs once when the engine reaches the tag cap and once when it
// leaves it; no tag ids.
func (p *Pipeline) noteCap() {
	tags := p.eng.Stats().Tags
	reached, changed := p.adm.capReached(tags)
	if !changed {
		return
	}
	if reached {
		p.metrics.tagCap.Set(1)
		p.log.Warn("tracked tag cap reached: sightings of new tags are dropped until tags expire",
			"max_tags", p.adm.policy.MaxTags, "retention", time.Duration(p.eng.Config().EvictAfterMS)*time.Millisecond)
		return
	}
	p.metrics.tagCap.Set(0)
	p.log.Info("tracked tags below the cap again: new tags are taken", "tags", tags, "max_tags", p.adm.policy.MaxTags)
}

// expire deletes from the store, once a minute of watermark, the tags the
// engine forgets: those without a position for EvictAfterMS. The geofence
// engine forgets them too (once their silence has been reported): the
// closing events and the deletion of their state parts go in the next
// update.
func (p *Pipeline) expire(ctx context.Context) {
	wm := p.watermark()
	if wm-p.lastExpire < 60_000 {
		return
	}
	p.lastExpire = wm
	before := wm - p.eng.Config().EvictAfterMS
	p.pending.Events = append(p.pending.Events, p.fence.Expire(before, wm)...)
	wctx, cancel := context.WithTimeout(ctx, p.cfg.WriteTimeout)
	n, err := p.w.ExpirePositions(wctx, before)
	cancel()
	if err != nil {
		p.log.Warn("store expiry failed; will retry", "err", err)
		p.lastExpire = 0
		return
	}
	p.noteCap()
	if n > 0 {
		p.metrics.expired.Add(float64(n))
		p.log.Info("expired tags not seen within the retention", "tags", n)
	}
}

// step runs the geofence rules over new positions and the passing of event
// time, then writes everything in one update.
func (p *Pipeline) step(ctx context.Context, ps []location.Position) {
	p.metrics.positions.Add(float64(len(ps)))
	p.metrics.tags.Set(float64(p.eng.Stats().Tags))
	u := &p.pending
	u.Positions = append(u.Positions, ps...)
	for _, pos := range ps {
		p.newest = max(p.newest, pos.TS)
		u.Events = append(u.Events, p.fence.Observe(pos)...)
		if p.thin.Keep(pos) {
			u.Trail = append(u.Trail, pos)
		}
	}
	u.Events = append(u.Events, p.fence.Tick(p.watermark())...)
	if p.cfg.Alerts != nil {
		p.cfg.Alerts.Expire(p.watermark())
	}
	p.commit(ctx)
}

// commit seals the pending update with the geofence state it leads to and
// writes it after any backlog. It reports whether everything was written.
func (p *Pipeline) commit(ctx context.Context) bool {
	u := p.pending
	p.pending = store.Update{}
	u.Fence = p.fence.TakeDirty()
	p.takeStatusChanges(&u)
	u.Visits = append(u.Visits, p.fence.TakeVisits()...)
	if a := p.cfg.Analytics; a != nil {
		a.Visits(u.Visits)
		a.Statuses(u.StatusChanges)
		a.Advance(p.newest)
		u.Analytics = append(u.Analytics, a.Take()...)
	}
	if p.cfg.Alerts != nil {
		u.Batteries = append(u.Batteries, p.cfg.Alerts.TakeChanged()...)
	}
	progress := p.progressDue(u.Watermark)
	if len(u.Positions) > 0 || len(u.Events) > 0 || len(u.Fence) > 0 || len(u.Config) > 0 ||
		len(u.Visits) > 0 || len(u.Trail) > 0 || len(u.Analytics) > 0 || len(u.Batteries) > 0 || len(u.StatusChanges) > 0 || progress {
		p.seq++
		u.Seq = p.seq
		p.backlog = append(p.backlog, u)
		p.queuedAt = append(p.queuedAt, p.cfg.Clock())
		p.noteConfig(u.Config)
	}
	defer p.noteBacklog()
	for len(p.backlog) > 0 {
		start := time.Now()
		wctx, cancel := context.WithTimeout(ctx, p.cfg.WriteTimeout)
		evs, err := p.w.Apply(wctx, p.backlog[0])
		cancel()
		p.metrics.apply.Observe(time.Since(start).Seconds())
		if err != nil {
			p.metrics.applyErrors.Inc()
			p.log.Warn("store write failed; will retry", "queued", len(p.backlog), "err", err)
			p.trimBacklog()
			return false
		}
		p.metrics.events.Add(float64(len(evs)))
		p.backlog[0] = store.Update{}
		p.backlog = p.backlog[1:]
		p.queuedAt = p.queuedAt[1:]
	}
	return true
}

// trimBacklog bounds the retry backlog while the store fails: in the
// updates beyond MaxBacklog it drops the positions of tags that have a
// newer position queued (only the newest counts for live state), so every
// tag keeps its last known position, and events and geofence state are
// never dropped.
func (p *Pipeline) trimBacklog() {
	over := len(p.backlog) - p.cfg.MaxBacklog
	if over <= 0 {
		return
	}
	newer := make(map[string]bool)
	for i := len(p.backlog) - 1; i >= 0; i-- {
		ps := p.backlog[i].Positions
		keep := ps[:0]
		for j := len(ps) - 1; j >= 0; j-- {
			pos := ps[j]
			if i < over && newer[pos.Tag] {
				p.metrics.droppedPositions.Inc()
				continue
			}
			newer[pos.Tag] = true
			keep = append(keep, pos)
		}
		slices.Reverse(keep)
		p.backlog[i].Positions = keep
	}
}

// takeStatusChanges moves the engine's status changes into u, with the
// registry entries they changed (stored as configuration, so that a
// restart keeps the statuses).
func (p *Pipeline) takeStatusChanges(u *store.Update) {
	changes := p.fence.TakeStatusChanges()
	if len(changes) == 0 {
		return
	}
	u.StatusChanges = append(u.StatusChanges, changes...)
	for _, c := range changes {
		t, ok := p.fence.Tag(c.Tag)
		if !ok {
			continue
		}
		cfg, err := configChange(store.ConfigTag, t.ID, t)
		if err != nil { // a Tag always encodes
			p.log.Error("cannot encode a tag", "err", err)
			continue
		}
		u.Config = append(u.Config, cfg...)
	}
}

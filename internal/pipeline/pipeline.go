// Package pipeline is the live path between the reader front and the
// store: it feeds sightings to the location engine in event time, runs the
// geofence rules on the positions it computes, and writes positions and
// events to the store together. One goroutine owns the engine.
package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/hospitalrtls/rtls/internal/store"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
)

// ErrBusy is returned by Ingest when the engine cannot take a batch in time;
// the reader's batch then fails with 5.03 and the reader retries it.
var ErrBusy = errors.New("pipeline: engine busy")

// Writer is the part of the store the pipeline writes to.
type Writer interface {
	Apply(ctx context.Context, u store.Update) ([]geofence.Event, error)
}

// Config tunes the pipeline.
type Config struct {
	// Tick is how often the watermark advances and results are written.
	Tick time.Duration
	// Queue is how many batches may wait for the engine.
	Queue int
	// MaxBacklog bounds the positions kept for retry while the store fails;
	// events are never dropped.
	MaxBacklog int
	// Clock is the wall clock; nil is time.Now.
	Clock func() time.Time
	// Logger receives the pipeline's logs; nil discards them.
	Logger *slog.Logger
}

// Pipeline runs the engine and writes its results.
type Pipeline struct {
	cfg     Config
	eng     *location.Engine
	w       Writer
	in      chan []location.Sighting
	log     *slog.Logger
	metrics *metrics
	// backlog is what a failed Apply left to write; owned by Run.
	backlog store.Update
}

// New builds a pipeline around an engine and a store writer.
func New(cfg Config, eng *location.Engine, w Writer, m *metrics) *Pipeline {
	if cfg.Tick <= 0 {
		cfg.Tick = 250 * time.Millisecond
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 4096
	}
	if cfg.MaxBacklog <= 0 {
		cfg.MaxBacklog = 1 << 20
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if m == nil {
		m = newMetrics(nil)
	}
	return &Pipeline{cfg: cfg, eng: eng, w: w, in: make(chan []location.Sighting, cfg.Queue), log: cfg.Logger, metrics: m}
}

// Ingest queues one batch of validated sightings for the engine. It
// implements rfid.Sink.
func (p *Pipeline) Ingest(ctx context.Context, ss []location.Sighting) error {
	select {
	case p.in <- ss:
		return nil
	case <-ctx.Done():
		p.metrics.busy.Inc()
		return ErrBusy
	}
}

// Run owns the engine until ctx ends: it adds queued sightings, advances
// the watermark every tick and writes what came out. On return it has
// written everything the engine had finalised.
func (p *Pipeline) Run(ctx context.Context) error {
	t := time.NewTicker(p.cfg.Tick)
	defer t.Stop()
	for {
		select {
		case ss := <-p.in:
			p.add(ss)
		case <-t.C:
			p.flush(ctx, p.eng.Flush(p.watermark()))
		case <-ctx.Done():
			p.drainQueue()
			wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			p.flush(wctx, p.eng.Drain())
			return nil
		}
	}
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

func (p *Pipeline) add(ss []location.Sighting) {
	for _, s := range ss {
		p.metrics.count(p.eng.Add(s))
	}
}

// flush writes positions (and, once geofencing runs, their events) in one
// atomic update. A failed write is kept and retried on the next tick.
func (p *Pipeline) flush(ctx context.Context, ps []location.Position) {
	p.metrics.positions.Add(float64(len(ps)))
	p.metrics.tags.Set(float64(p.eng.Stats().Tags))
	u := p.backlog
	u.Positions = append(u.Positions, ps...)
	if len(u.Positions) == 0 && len(u.Events) == 0 {
		return
	}
	start := time.Now()
	_, err := p.w.Apply(ctx, u)
	p.metrics.apply.Observe(time.Since(start).Seconds())
	if err != nil {
		p.metrics.applyErrors.Inc()
		p.log.Warn("store write failed; will retry", "positions", len(u.Positions), "events", len(u.Events), "err", err)
		if n := len(u.Positions) - p.cfg.MaxBacklog; n > 0 {
			u.Positions = u.Positions[n:]
		}
		p.backlog = u
		return
	}
	p.backlog = store.Update{}
}

package sim

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/hospitalrtls/rtls/floorplans"
)

// RunConfig configures Run.
type RunConfig struct {
	// Addr is the CoAP server, host:port (required).
	Addr string
	// Tags to simulate (required; see Generate).
	Tags []TagSpec
	// Sim is the simulation; its Start is ignored: the simulated clock
	// starts at the wall clock, and sighting ts are epoch ms of it.
	Sim Config
	// Batch says how readers batch (zero fields: DefaultBatchConfig).
	Batch BatchConfig
	// Format of the payloads (default json).
	Format Format
	// Duration is how long to run, wall time; 0 runs until ctx is done.
	Duration time.Duration
	// Speedup is simulated seconds per wall second (default 1). Above 1,
	// sighting ts run ahead of the server's clock: servers drop those too
	// far in the future.
	Speedup float64
	// Conns is the number of UDP connections, which bounds the requests in
	// flight (default 8).
	Conns int
	// Tick is the simulation step (default 100 ms).
	Tick time.Duration
	// ReportEvery is the period of the summary log line (default 10 s).
	ReportEvery time.Duration
	// Report, if set, receives the cumulative counters at each summary
	// and at the end.
	Report func(Stats)
}

// Run defaults.
const (
	defaultConns       = 8
	defaultTick        = 100 * time.Millisecond
	defaultReportEvery = 10 * time.Second
	drainTimeout       = 2 * time.Second
)

// withDefaults fills zero fields and checks the rest.
func (c RunConfig) withDefaults() (RunConfig, error) {
	if c.Addr == "" {
		return c, fmt.Errorf("%w: Addr is required", ErrConfig)
	}
	if c.Format == "" {
		c.Format = FormatJSON
	}
	if c.Speedup == 0 {
		c.Speedup = 1
	}
	if c.Conns == 0 {
		c.Conns = defaultConns
	}
	if c.Tick == 0 {
		c.Tick = defaultTick
	}
	if c.ReportEvery == 0 {
		c.ReportEvery = defaultReportEvery
	}
	if c.Format != FormatJSON && c.Format != FormatCBOR {
		return c, fmt.Errorf("%w %q", ErrFormat, string(c.Format))
	}
	switch {
	case !(c.Speedup > 0) || math.IsInf(c.Speedup, 0):
		return c, fmt.Errorf("%w: Speedup out of range", ErrConfig)
	case c.Conns < 0 || c.Conns > 1024:
		return c, fmt.Errorf("%w: Conns out of range", ErrConfig)
	case c.Duration < 0 || c.Tick < 0 || c.ReportEvery < 0:
		return c, fmt.Errorf("%w: negative duration", ErrConfig)
	}
	return c, nil
}

// Run simulates cfg.Tags on plan in real time and posts the readers'
// batches to the CoAP server at cfg.Addr, logging a summary every
// cfg.ReportEvery. It returns when cfg.Duration has passed or ctx is done
// (nil then), after letting queued batches go out for a moment.
func Run(ctx context.Context, cfg RunConfig, plan *floorplans.Plan, log *slog.Logger) error {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	start := time.Now()
	cfg.Sim.Start = start.Truncate(time.Millisecond)
	s, err := New(plan, cfg.Tags, cfg.Sim)
	if err != nil {
		return err
	}
	snd, err := Dial(cfg.Addr, cfg.Conns, cfg.Format)
	if err != nil {
		return err
	}
	log.Info("sim: running", "addr", cfg.Addr, "tags", len(cfg.Tags), "readers", len(plan.Readers),
		"format", string(cfg.Format), "speedup", cfg.Speedup)
	r := reporter{log: log, every: cfg.ReportEvery, fn: cfg.Report, start: start, last: start}
	loopErr := runLoop(ctx, cfg, s, NewBatcher(cfg.Batch), snd, &r, start)
	snd.Close(drainTimeout)
	r.report(snd.Stats(), time.Now(), true)
	return loopErr
}

// runLoop steps the simulation each tick and sends the batches due.
func runLoop(ctx context.Context, cfg RunConfig, s *Sim, b *Batcher, snd *Sender, r *reporter, start time.Time) error {
	tick := time.NewTicker(cfg.Tick)
	defer tick.Stop()
	var simmed time.Duration
	for {
		var now time.Time
		select {
		case <-ctx.Done():
			return nil
		case now = <-tick.C:
		}
		wall := now.Sub(start)
		if cfg.Duration > 0 && wall > cfg.Duration {
			wall = cfg.Duration
		}
		target := time.Duration(float64(wall) * cfg.Speedup)
		s.Step(target - simmed)
		simmed = target
		b.Add(s.Now(), s.Sightings())
		for _, bt := range b.Flush(s.Now()) {
			if err := snd.Enqueue(bt); err != nil {
				return err
			}
		}
		if r.due(now) {
			r.report(snd.Stats(), now, false)
		}
		if cfg.Duration > 0 && wall >= cfg.Duration {
			return nil
		}
	}
}

// reporter logs the counters and the rates since its last line.
type reporter struct {
	log   *slog.Logger
	every time.Duration
	fn    func(Stats)
	start time.Time
	last  time.Time
	prev  Stats
}

// due reports whether a summary is due at now.
func (r *reporter) due(now time.Time) bool { return now.Sub(r.last) >= r.every }

// report logs st (the final summary when final) and passes it on.
func (r *reporter) report(st Stats, now time.Time, final bool) {
	st.Elapsed = now.Sub(r.start)
	secs := now.Sub(r.last).Seconds()
	if secs <= 0 {
		secs = 1
	}
	msg := "sim: sent"
	if final {
		msg = "sim: done"
	}
	r.log.Info(msg,
		"batches", st.Batches, "sightings", st.Sightings,
		"responses", st.ResponseSummary(), "errors", st.Errors, "dropped", st.Dropped,
		"batches_per_s", math.Round(float64(st.Batches-r.prev.Batches)/secs),
		"sightings_per_s", math.Round(float64(st.Sightings-r.prev.Sightings)/secs))
	r.last, r.prev = now, st
	if r.fn != nil {
		r.fn(st)
	}
}

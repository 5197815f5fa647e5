// Package pipeline is the live path between the reader front and the
// store. It runs in three stages, each on its own goroutine:
//
//   - the engine stage takes the queued batches (see Ingest: admission by
//     time) into the location engine and, every tick, finalises the
//     epochs the watermark passed;
//   - the geofence stage runs the geofence rules over the positions, owns
//     the geofence engine and executes the API's zone, rule and tag
//     changes and reads (admin.go), so a create checks and writes in one
//     step, and builds the store update of each tick;
//   - the writer (writer.go) writes those updates to the store, merged
//     while the store is slow, each applied once (Update.Seq).
//
// A slow or hung store therefore never stalls the engine: updates wait in
// a backlog bounded in time and bytes, beyond which Ingest refuses
// batches (ErrBusy, 5.03 for the reader) instead of acknowledging
// sightings whose results could be lost.
package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"math"
	"time"

	"github.com/hospitalrtls/rtls/analytics"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/alert"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/location/trail"
	"github.com/hospitalrtls/rtls/rfid"
	"github.com/hospitalrtls/rtls/store"
)

// ErrBusy is returned by Ingest when the engine would not take a batch in
// time, or the store is behind more than Config.MaxBacklogAge or
// Config.MaxBacklogBytes; the reader's batch then fails with 5.03 and the
// reader retries it.
var ErrBusy = errors.New("pipeline: engine busy")

// ErrStopped is returned by admin calls after the pipeline stopped.
var ErrStopped = errors.New("pipeline: stopped")

// ErrUnwritten is returned by Run when it stops with updates the store
// did not take within the shutdown budget.
var ErrUnwritten = errors.New("pipeline: updates not written at shutdown")

// errLateOnArrival labels sightings the engine dropped as late that were
// already behind its finalised watermark when Ingest took them.
var errLateOnArrival = errors.New("pipeline: sighting behind the watermark on arrival")

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
	// Queue is how many batches may wait for the engine; beyond, Ingest
	// refuses batches (ErrBusy). 0 is 4096. MaxQueueWait is the bound
	// that matters; this one only bounds memory.
	Queue int
	// MaxQueueWait bounds how long an accepted batch waits for the engine:
	// Ingest refuses a batch (ErrBusy) while the oldest queued batch has
	// waited longer, or the queued sightings would take longer at the
	// engine's recent pace. 0 is half the engine's lateness.
	MaxQueueWait time.Duration
	// MaxBacklogAge bounds how long updates may wait for the store: while
	// the oldest waits longer, Ingest answers ErrBusy. 0 is 30 s.
	MaxBacklogAge time.Duration
	// MaxBacklogBytes bounds the estimated size of the updates waiting for
	// the store: while they are larger, Ingest answers ErrBusy. Positions
	// are coalesced per tag while they wait; events, geofence state and
	// trails are never dropped. 0 is 64 MiB.
	MaxBacklogBytes int64
	// FirstSeq is the write sequence number to continue from (the store's
	// LastSeq after a restart).
	FirstSeq uint64
	// Trail thins the positions kept as trail points.
	Trail trail.Config
	// ShutdownBudget bounds how long Run keeps retrying writes when
	// stopping; 0 is 5 s.
	ShutdownBudget time.Duration
	// WriteTimeout bounds one store write (Apply, ExpirePositions), so that
	// a hung store cannot hold the writer for ever; a write that times
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
	// Expected are the sightings on their way back, for which the engine
	// waits (see Expected); nil is a set of the pipeline's own, with the
	// default window.
	Expected *Expected
	// MaxHold bounds how far behind the wall clock's watermark the engine
	// is held for expected sightings; 0 is DefaultMaxHold.
	MaxHold time.Duration
	// Progress, when not nil, is told how far ingestion is durable: it is
	// called on the writer goroutine after a store write with n, meaning
	// that the first n batches Ingest accepted (numbered 1, 2, ... in the
	// order it accepted them; refused batches get no number) have been
	// processed (every sighting in them given to the engine and its epoch
	// finalised) and their results are in the store. n only grows. A
	// durable ingest log in front of the pipeline trims up to there.
	// Sightings the engine holds at a stop are not covered. It must return
	// quickly and not call the pipeline.
	Progress func(n uint64)
}

// Pipeline runs the engines and writes their results.
type Pipeline struct {
	cfg       Config
	eng       *location.Engine
	fence     *geofence.Engine
	log       *slog.Logger
	metrics   *Metrics
	lateness  int64 // the engine's, ms
	epochMS   int64 // the engine's, ms
	evictMS   int64 // the engine's, ms
	q         *intake
	expect    *Expected
	shed      rfid.ShedWindow // opened by a refusal because the engine is behind
	wr        *writer
	cmds      chan command // for the geofence stage
	engReads  chan engRead // for the engine stage
	stopped   chan struct{}
	engine    engineState // owned by the engine stage
	geofences fenceState  // owned by the geofence stage
}

// New builds a pipeline around the engines and a store writer.
func New(cfg Config, eng *location.Engine, fence *geofence.Engine, w Writer, m *Metrics) *Pipeline {
	if cfg.Tick <= 0 {
		cfg.Tick = 250 * time.Millisecond
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 4096
	}
	ecfg := eng.Config()
	if cfg.MaxQueueWait <= 0 {
		cfg.MaxQueueWait = time.Duration(ecfg.LatenessMS) * time.Millisecond / 2
	}
	if cfg.ShutdownBudget <= 0 {
		cfg.ShutdownBudget = 5 * time.Second
	}
	if cfg.MaxBacklogAge <= 0 {
		cfg.MaxBacklogAge = 30 * time.Second
	}
	if cfg.MaxBacklogBytes <= 0 {
		cfg.MaxBacklogBytes = 64 << 20
	}
	if cfg.MaxHold <= 0 {
		cfg.MaxHold = DefaultMaxHold
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 2 * time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Expected == nil {
		cfg.Expected = NewExpected(0, cfg.Clock)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	// The tag policy runs on the engine stage and asks the geofence
	// engine's registry, which is safe for concurrent use (its own lock).
	var reg Registry
	if fence != nil {
		reg = fence
	}
	p := &Pipeline{cfg: cfg, eng: eng, fence: fence, log: cfg.Logger, metrics: m,
		lateness: ecfg.LatenessMS, epochMS: ecfg.EpochMS, evictMS: ecfg.EvictAfterMS,
		q: newIntake(cfg.Queue, cfg.MaxQueueWait, ecfg.EpochMS, cfg.Clock), expect: cfg.Expected,
		cmds: make(chan command), engReads: make(chan engRead), stopped: make(chan struct{})}
	p.wr = &writer{w: w, clock: cfg.Clock, log: cfg.Logger, m: m, timeout: cfg.WriteTimeout, pause: cfg.Tick,
		budget: cfg.ShutdownBudget, maxAge: cfg.MaxBacklogAge, maxBytes: cfg.MaxBacklogBytes, progress: cfg.Progress,
		kick: make(chan struct{}, 1), seq: cfg.FirstSeq}
	p.engine.adm = newAdmission(cfg.Tags, reg, cfg.Clock)
	p.engine.hold = math.MaxInt64
	p.geofences = fenceState{thin: trail.NewThinner(cfg.Trail), config: make(map[string]map[string][]byte)}
	for kind, byID := range cfg.StoredConfig {
		p.geofences.config[kind] = maps.Clone(byID)
	}
	m.ages.Store(&pipelineAges{queue: p.q.oldestAge, backlog: p.wr.backlogAge})
	return p
}

// Run runs the three stages until ctx ends. On return the engine has
// given up what it finalised and the writer has written it (or tried for
// the shutdown budget, then ErrUnwritten).
func (p *Pipeline) Run(ctx context.Context) error {
	defer close(p.stopped)
	stage := make(chan stageMsg, stageDepth)
	fenceDone := make(chan struct{})
	written := make(chan error, 1)
	go func() { written <- p.wr.run() }()
	go func() {
		defer close(fenceDone)
		p.runFence(stage)
	}()
	p.runEngine(ctx, stage)
	<-fenceDone
	p.wr.close()
	return <-written
}

// stageDepth is how many ticks the engine stage may run ahead of the
// geofence stage; beyond, it waits (and the queue, then admission, feel
// it).
const stageDepth = 4

// watermark is the event time up to which sightings are taken as complete
// by the wall clock; the engine stage holds it back for queued batches
// (intake.hold).
func (p *Pipeline) watermark() int64 {
	return p.cfg.Clock().UnixMilli() - p.lateness
}

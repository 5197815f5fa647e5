package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hospitalrtls/rtls/ingest"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/pipeline"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

// DefaultLeaseTTL is how long the site's engine lease lasts without a
// renewal when Config.LeaseTTL is 0: a standby takes over a dead owner's
// site within about this plus a fifth of it.
const DefaultLeaseTTL = 5 * time.Second

// owner runs the site's engine on this instance while it holds the site's
// lease in Redis: it tries to take the lease every fifth of its TTL,
// renews it every third, and stops the engine as soon as a renewal says
// the lease is another's. A renewal that fails (Redis down or hung) is
// retried and the engine keeps running: the fencing token keeps it safe
// (if another instance was granted the lease meanwhile, the first write
// is refused and the engine stops then), and a Redis outage longer than
// the TTL does not restart the engine and lose its filters. Every write
// of the engine carries the lease's fencing token, which the store checks:
// an owner that was paused past its lease cannot write after waking.
type owner struct {
	s  *Server
	st *redisstore.Store
	id string // this instance, unique per process
	// addr is the gRPC address published with the lease: other instances
	// forward calls that need the engine there (see forward.go).
	addr string
	// host names this machine in its host's set of engines: a standby
	// whose host runs another site's engine leaves a free lease to
	// instances on other hosts for spread (see yield); freeSince is when
	// it first found the lease free (zero: held when last asked).
	host      string
	spread    time.Duration
	freeSince time.Time
	ttl       time.Duration
	log       *slog.Logger
	// running is 1 while this instance runs the engine; takeovers counts
	// the times it started to.
	running   prometheus.Gauge
	takeovers prometheus.Counter
	// token is the lease held (0: none) and eng the engine built for it,
	// not yet running; both owned by the caller of tryAcquire and run.
	token uint64
	eng   *engineRun
}

// engineRun is an engine built for a lease: the pipeline, the consumer
// of the ingest log and what its resume queued, and its store writer.
type engineRun struct {
	pipe   *pipeline.Pipeline
	cons   *ingest.Consumer
	w      *fencedWriter
	replay ingest.Replay
	took   time.Duration // to build and resume
}

// fencedWriter is the owner's store writer (redisstore.Fenced): it closes
// superseded at the first write the fencing check refuses, so the owner
// stops its engine at once instead of at its next renewal.
type fencedWriter struct {
	*redisstore.Fenced
	once       sync.Once
	superseded chan struct{}
}

func newFencedWriter(f *redisstore.Fenced) *fencedWriter {
	return &fencedWriter{Fenced: f, superseded: make(chan struct{})}
}

func (w *fencedWriter) note(err error) {
	if errors.Is(err, redisstore.ErrFenced) {
		w.once.Do(func() { close(w.superseded) })
	}
}

// Apply implements pipeline.Writer.
func (w *fencedWriter) Apply(ctx context.Context, u store.Update) ([]geofence.Event, error) {
	evs, err := w.Fenced.Apply(ctx, u)
	w.note(err)
	return evs, err
}

// ExpirePositions implements pipeline.Writer.
func (w *fencedWriter) ExpirePositions(ctx context.Context, before int64) (int, error) {
	n, err := w.Fenced.ExpirePositions(ctx, before)
	w.note(err)
	return n, err
}

// TrimIngest implements ingest.Trimmer.
func (w *fencedWriter) TrimIngest(ctx context.Context, minID string) error {
	err := w.Fenced.TrimIngest(ctx, minID)
	w.note(err)
	return err
}

func newOwner(s *Server, st *redisstore.Store) *owner {
	ttl := s.cfg.LeaseTTL
	if ttl <= 0 {
		ttl = DefaultLeaseTTL
	}
	id := s.cfg.Instance
	if id == "" {
		host, _ := os.Hostname()
		id = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), rand.Text()[:8])
	}
	host := s.cfg.HostName
	if host == "" {
		host, _ = os.Hostname()
	}
	o := &owner{s: s, st: st, id: id, ttl: ttl, host: host, spread: 2 * ttl / 5, log: s.log.With("part", "owner", "instance", id),
		running: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rtls_engine_owner",
			Help: "1 while this instance holds the site's lease and runs its engine, 0 on a standby.",
		}),
		takeovers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rtls_engine_takeovers_total",
			Help: "Times this instance took the site's lease and started its engine.",
		})}
	s.registry.MustRegister(o.running, o.takeovers)
	return o
}

// tryAcquire takes the lease if no instance holds it, builds the engine
// from the stored state and the ingest log, and hands it to the API (serve
// runs it). Not getting the lease is no error: this instance is a standby.
func (o *owner) tryAcquire(ctx context.Context) error {
	if wait, err := o.yield(ctx); err != nil || wait {
		return err
	}
	tok, ok, err := o.st.AcquireLeaseAt(ctx, o.id, o.addr, o.ttl)
	if err != nil || !ok {
		return err
	}
	o.token = tok
	o.markHost(ctx)
	start := time.Now()
	w := newFencedWriter(o.st.Fenced(tok))
	cons := ingest.NewConsumer(o.st, w, ingest.ConsumerConfig{EpochMS: o.s.engCfg.EpochMS, LatenessMS: o.s.engCfg.LatenessMS, Clock: o.s.cfg.Clock,
		Logger: o.s.log.With("part", "ingest"), Expected: o.s.expected})
	pipe, err := o.s.newPipeline(ctx, w, cons.Progress)
	if err == nil {
		var rep ingest.Replay
		if rep, err = cons.Resume(ctx, pipe); err == nil {
			o.eng = &engineRun{pipe: pipe, cons: cons, w: w, replay: rep, took: time.Since(start)}
			// API calls from now on wait for the pipeline to run, as
			// with the embedded store, rather than fail
			o.s.eng.set(pipe, w.superseded)
			return nil
		}
	}
	o.release()
	return fmt.Errorf("server: taking the site's engine: %w", err)
}

// yield reports whether this standby leaves the site's lease, found free,
// to instances on other hosts for now: its host runs other sites' engines
// and the lease has been free for less than o.spread (two of a standby's
// tries), so that an instance on a host running none, which takes it at
// its next try, gets it first. A lease held, even by this instance's name
// (a restart), is not yielded: AcquireLease decides.
func (o *owner) yield(ctx context.Context) (bool, error) {
	n, err := o.st.HostEngines(ctx, o.host)
	if err != nil || n == 0 {
		o.freeSince = time.Time{}
		return false, err
	}
	_, held, err := o.st.LeaseHolder(ctx)
	if err != nil || held {
		o.freeSince = time.Time{}
		return false, err
	}
	if o.freeSince.IsZero() {
		o.freeSince = time.Now()
		o.log.Info("the site's lease is free; leaving it to another host for a while: this host runs other sites' engines", "engines", n, "wait_ms", o.spread.Milliseconds())
	}
	return time.Since(o.freeSince) < o.spread, nil
}

// markHost records that this host runs the site's engine for a TTL;
// a failure only weakens the spreading of sites.
func (o *owner) markHost(ctx context.Context) {
	if err := o.st.MarkHostEngine(ctx, o.host, o.ttl); err != nil {
		o.log.Warn("cannot mark the site's engine on this host", "err", err)
	}
}

// unmarkHost removes markHost's record (it expires otherwise).
func (o *owner) unmarkHost() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := o.st.UnmarkHostEngine(ctx, o.host); err != nil {
		o.log.Warn("cannot unmark the site's engine on this host", "err", err)
	}
}

// release gives the lease up, if held, so that a standby takes over at once.
func (o *owner) release() {
	if o.token == 0 {
		return
	}
	o.s.eng.set(nil, nil)
	o.unmarkHost()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := o.st.ReleaseLease(ctx, o.id, o.token); err != nil {
		o.log.Warn("cannot release the site's lease; a standby takes over when it expires", "err", err)
	}
	o.token, o.eng = 0, nil
}

// run runs the engine whenever this instance holds the lease, until ctx
// ends; it returns the error of the last engine's pipeline when it
// stopped at the end (unwritten updates).
func (o *owner) run(ctx context.Context) error {
	var last error
	for {
		if o.eng == nil {
			if ctx.Err() != nil {
				return last
			}
			if err := o.tryAcquire(ctx); err != nil {
				o.log.Warn("cannot take the site's engine; will retry", "err", err)
			}
			if o.eng == nil {
				sleep(ctx, o.ttl/5)
				continue
			}
		}
		last = o.serve(ctx)
	}
}

// serve runs the built engine until ctx ends (then writes what it has and
// releases the lease) or the lease is lost (then stops at once).
func (o *owner) serve(ctx context.Context) error {
	e := o.eng
	ectx, stop := context.WithCancel(context.Background())
	pipeDone := make(chan error, 1)
	consDone := make(chan struct{})
	go func() { pipeDone <- e.pipe.Run(ectx) }()
	go func() { _ = e.cons.Run(ectx, e.pipe); close(consDone) }()
	o.running.Set(1)
	o.takeovers.Inc()
	o.log.Info("running the site's engine", "fencing_token", o.token, "log_entries", e.replay.Entries,
		"requeued_sightings", e.replay.Queued, "logged_sightings", e.replay.Sightings, "resume_ms", e.took.Milliseconds())
	lost := o.hold(ctx, pipeDone, e.w.superseded)
	o.s.eng.set(nil, nil)
	o.running.Set(0)
	stop()
	<-consDone
	err := <-pipeDone
	if lost {
		// what it had not written is the new owner's to compute again
		// from the ingest log: not an error of this instance's shutdown
		o.log.Error("lost the site's lease: engine stopped; another instance runs it now", "fencing_token", o.token, "unwritten", err)
		o.unmarkHost()
		o.token, o.eng = 0, nil
		return nil
	}
	o.release()
	return err
}

// hold renews the lease every third of its TTL until ctx ends or the
// pipeline stopped by itself (false), or the lease is lost (true): a
// write was refused by the fencing check, or a renewal finds the lease
// another's. Failed renewals are retried (see owner).
func (o *owner) hold(ctx context.Context, pipeDone chan error, superseded <-chan struct{}) (lost bool) {
	t := time.NewTicker(o.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-superseded:
			return true
		case err := <-pipeDone:
			pipeDone <- err // for serve
			o.log.Error("the pipeline stopped by itself; giving the lease up", "err", err)
			return false
		case <-t.C:
			ok, err := o.st.RenewLease(ctx, o.id, o.addr, o.token, o.ttl)
			switch {
			case err == nil && ok:
				o.markHost(ctx)
			case err == nil:
				return true
			default:
				o.log.Warn("lease renewal failed; will retry", "err", err)
			}
		}
	}
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

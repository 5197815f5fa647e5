package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/rfid"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

// Appender is the log's write end (redisstore.Store).
type Appender interface {
	// AppendIngest appends one batch whose sightings are stamped oldest
	// to newest unless some are at or before the ingest bar (the engine
	// may have finalised them: redisstore.ErrLogLate, or
	// *redisstore.PartlyLateError), the log holds maxLen entries or,
	// maxLag > 0, the engine consuming it has not taken an entry older
	// than maxLag.
	AppendIngest(ctx context.Context, data []byte, oldest, newest, maxLen int64, maxLag time.Duration) (string, error)
}

// DefaultMaxLen bounds the log when FrontConfig.MaxLen is 0: about five
// minutes of a 200-reader site's batches. A longer log means the engine
// is far behind: readers get 5.03 rather than a 2.04 for a batch that
// would wait that long.
const DefaultMaxLen = 50_000

// DefaultAppendTimeout bounds one append when FrontConfig.AppendTimeout
// is 0.
const DefaultAppendTimeout = 2 * time.Second

// DefaultMaxLag is FrontConfig.MaxLag when 0: half the engine's default
// lateness (location.Defaults), as the pipeline's own MaxQueueWait.
const DefaultMaxLag = 1500 * time.Millisecond

// FrontConfig tunes a Front.
type FrontConfig struct {
	MaxLen        int64         // most entries the log may hold; 0 is DefaultMaxLen
	AppendTimeout time.Duration // bound of one append; 0 is DefaultAppendTimeout
	// MaxLag is admission by time: a batch is refused (5.03) while the
	// engine consuming the log has not taken an entry older than this,
	// since a batch appended now would not reach it within the lateness;
	// 0 is DefaultMaxLag, negative none. While no engine consumes (a
	// takeover), the log takes batches up to MaxLen: the new owner
	// resumes from it.
	MaxLag time.Duration
	// Expect, when not nil, is told the reader and oldest stamp of every
	// batch the log could not take because the store failed (not for a
	// full log or a consumer behind: the engine is then behind itself):
	// the reader retries it after the 5.03's Max-Age, and the engine
	// (pipeline.Expected) waits for it rather than find it late. It must
	// not block.
	Expect func(reader string, ts int64)
	// Clock is the front's clock (nil: time.Now), for shedding.
	Clock func() time.Time
}

// Front appends every accepted batch to the log. It implements rfid.Sink
// on every instance of a site, whether or not it runs the engine.
type Front struct {
	log     Appender
	cfg     FrontConfig
	refused prometheus.Counter
	// shed is opened by a refusal because the engine is behind
	shed rfid.ShedWindow
}

// NewFront returns a front appending to log; its refusal counter is
// registered with reg (nil: not registered).
func NewFront(log Appender, cfg FrontConfig, reg prometheus.Registerer) *Front {
	if cfg.MaxLen <= 0 {
		cfg.MaxLen = DefaultMaxLen
	}
	if cfg.AppendTimeout <= 0 {
		cfg.AppendTimeout = DefaultAppendTimeout
	}
	if cfg.MaxLag == 0 {
		cfg.MaxLag = DefaultMaxLag
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	f := &Front{log: log, cfg: cfg, refused: prometheus.NewCounter(prometheus.CounterOpts{
		Name: "rtls_ingest_log_refused_total",
		Help: "Batches answered 5.03 because they could not be appended to the ingest log (full, its engine behind more than the lag bound, or the store unreachable).",
	})}
	if reg != nil {
		reg.MustRegister(f.refused)
	}
	return f
}

// Ingest appends the batch to the log; once it returns without error the
// batch survives a crash of any instance. It implements rfid.Sink: late
// counts the sightings not appended because they are at or before the
// ingest bar (the engine may have finalised their time: the reader is
// told they were dropped); an error wrapping ErrNotLogged makes the
// reader's batch fail with 5.03.
func (f *Front) Ingest(ctx context.Context, ss []location.Sighting) (late int, err error) {
	ctx, cancel := context.WithTimeout(ctx, f.cfg.AppendTimeout)
	defer cancel()
	for {
		err = f.append(ctx, ss)
		var partly *redisstore.PartlyLateError
		switch {
		case errors.Is(err, redisstore.ErrLogLate):
			return late + len(ss), nil
		case errors.As(err, &partly):
			// append the sightings after the bar; the bar only rises, so
			// this ends
			kept := make([]location.Sighting, 0, len(ss))
			for _, s := range ss {
				if s.TS > partly.Bar {
					kept = append(kept, s)
				}
			}
			late += len(ss) - len(kept)
			ss = kept
			continue
		case err == nil:
			return late, nil
		}
		f.refused.Inc()
		err = fmt.Errorf("%w: %w", ErrNotLogged, err)
		if errors.Is(err, redisstore.ErrLogFull) || errors.Is(err, redisstore.ErrLogBehind) {
			f.shed.Open(f.cfg.Clock())
			return 0, rfid.RetryAfter(err, behindRetry)
		}
		if f.cfg.Expect != nil {
			oldest, _ := location.StampRange(ss)
			f.cfg.Expect(ss[0].Reader, oldest)
		}
		return 0, err
	}
}

// Shed implements rfid.Shedder: for rfid.ShedFor after the log refused a
// batch because the engine is behind (or the log is full), batches are
// refused before they are decoded and without a round trip to the store,
// which would refuse them too. A store failure does not shed: those
// batches are expected back (FrontConfig.Expect), and the store may be
// back at once.
func (f *Front) Shed() error {
	if f.shed.Shedding(f.cfg.Clock()) {
		f.refused.Inc()
		return rfid.RetryAfter(errShed, behindRetry)
	}
	return nil
}

// errShed refuses a batch while the front sheds (Shed).
var errShed = fmt.Errorf("%w: %w (shed before decoding)", ErrNotLogged, redisstore.ErrLogBehind)

// append appends ss to the log.
func (f *Front) append(ctx context.Context, ss []location.Sighting) error {
	data, err := encode(ss)
	if err != nil {
		return err
	}
	oldest, newest := location.StampRange(ss)
	_, err = f.log.AppendIngest(ctx, data, oldest, newest, f.cfg.MaxLen, max(f.cfg.MaxLag, 0))
	return err
}

// behindRetry is the retry delay asked (rfid.Retrier: the 5.03's Max-Age)
// when the log refuses because the engine is behind: short, so that the
// retried sightings still arrive within the engine's lateness. A store
// failure gets the reader's default.
const behindRetry = time.Second

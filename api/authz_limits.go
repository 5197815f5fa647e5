package api

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Limits bound what one subject (a token's subject) may hold and ask, so
// that one client cannot take the server's memory or time.
type Limits struct {
	// MaxStreams is how many streams a subject may hold open (0: 16).
	MaxStreams int
	// Rate is the calls per second a subject may start, streams included
	// (0: 50), with bursts of Burst (0: 2×Rate).
	Rate  float64
	Burst int
	// SlowConsumer is how long a stream may stay unable to send (its
	// client not reading) before it is closed (0: 30 s).
	SlowConsumer time.Duration
	// AuditInterval is how often a stream's person deliveries are written
	// to the audit log as one summary record (0: 1 min).
	AuditInterval time.Duration
}

// withDefaults fills the zero fields.
func (l Limits) withDefaults() Limits {
	if l.MaxStreams <= 0 {
		l.MaxStreams = 16
	}
	if l.Rate <= 0 {
		l.Rate = 50
	}
	if l.Burst <= 0 {
		l.Burst = int(2 * l.Rate)
	}
	if l.SlowConsumer <= 0 {
		l.SlowConsumer = 30 * time.Second
	}
	if l.AuditInterval <= 0 {
		l.AuditInterval = time.Minute
	}
	return l
}

// Status errors of the limits.
var (
	errRateLimited = status.Error(codes.ResourceExhausted, "rate limit: too many calls, retry later")
	errTooManyOpen = status.Error(codes.ResourceExhausted, "stream limit: too many open streams for this subject")
	errSlowClient  = status.Error(codes.ResourceExhausted, "slow consumer: the client did not read the stream in time; stream closed")
)

// limiter keeps the per-subject state of Limits.
type limiter struct {
	cfg Limits

	mu       sync.Mutex // guards subjects
	subjects map[string]*subjectState
}

// subjectState is the usage of one subject. Subjects are those of valid
// credentials, so the map is bounded by the tokens issued.
type subjectState struct {
	rate    *rate.Limiter
	streams int
}

func newLimiter(cfg Limits) *limiter {
	return &limiter{cfg: cfg.withDefaults(), subjects: map[string]*subjectState{}}
}

// state returns the state of subject; l.mu is held.
func (l *limiter) state(subject string) *subjectState {
	s := l.subjects[subject]
	if s == nil {
		s = &subjectState{rate: rate.NewLimiter(rate.Limit(l.cfg.Rate), l.cfg.Burst)}
		l.subjects[subject] = s
	}
	return s
}

// allow takes one call from subject's budget.
func (l *limiter) allow(subject string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state(subject).rate.Allow()
}

// openStream counts a new stream of subject; release gives it back.
func (l *limiter) openStream(subject string) (release func(), ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.state(subject)
	if s.streams >= l.cfg.MaxStreams {
		return nil, false
	}
	s.streams++
	return func() {
		l.mu.Lock()
		s.streams--
		l.mu.Unlock()
	}, true
}

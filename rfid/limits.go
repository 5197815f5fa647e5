package rfid

import (
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limit names, a metric label.
const (
	limitBatches   = "batches"
	limitSightings = "sightings"
)

// readerLimits are the per-reader token buckets of batches and sightings.
// Readers get their buckets on first use; only readers of the directory
// get here, so the map is bounded by the floorplan.
type readerLimits struct {
	batchRate, sightingRate   rate.Limit
	batchBurst, sightingBurst int

	mu      sync.Mutex // guards buckets
	buckets map[string]*readerBuckets
}

// readerBuckets are one reader's buckets.
type readerBuckets struct {
	batches, sightings *rate.Limiter // nil: no limit
}

func newReaderLimits(cfg Config) *readerLimits {
	burst := func(b int, r float64) int {
		if b > 0 {
			return b
		}
		return max(1, int(math.Ceil(r)))
	}
	return &readerLimits{
		batchRate: rate.Limit(cfg.ReaderBatchRate), batchBurst: burst(cfg.ReaderBatchBurst, cfg.ReaderBatchRate),
		sightingRate: rate.Limit(cfg.ReaderSightingRate), sightingBurst: burst(cfg.ReaderSightingBurst, cfg.ReaderSightingRate),
		buckets: map[string]*readerBuckets{},
	}
}

func (l *readerLimits) of(reader string) *readerBuckets {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[reader]
	if b == nil {
		b = &readerBuckets{}
		if l.batchRate > 0 {
			b.batches = rate.NewLimiter(l.batchRate, l.batchBurst)
		}
		if l.sightingRate > 0 {
			b.sightings = rate.NewLimiter(l.sightingRate, l.sightingBurst)
		}
		l.buckets[reader] = b
	}
	return b
}

// rateLimitError is ErrRateLimited with the time until a retry can pass.
type rateLimitError struct {
	limit string
	wait  time.Duration
}

func (e *rateLimitError) Error() string {
	return fmt.Sprintf("%v: %s rate exceeded, retry in %s", ErrRateLimited, e.limit, e.wait.Round(time.Millisecond))
}

func (e *rateLimitError) Unwrap() error { return ErrRateLimited }

// maxAge is the Max-Age option of the 4.29 answer: whole seconds, at least 1.
func (e *rateLimitError) maxAge() uint32 {
	return uint32(max(1, math.Ceil(e.wait.Seconds())))
}

// allow takes one batch of n sightings from reader's buckets at now, or
// returns a *rateLimitError naming the bucket that is short. A batch is
// taken from both buckets or from neither.
func (l *readerLimits) allow(reader string, n int, now time.Time) error {
	b := l.of(reader)
	var rb, rs *rate.Reservation
	if b.batches != nil {
		if rb = b.batches.ReserveN(now, 1); !rb.OK() || rb.DelayFrom(now) > 0 {
			return refuse(limitBatches, rb, now)
		}
	}
	if b.sightings != nil && n > 0 {
		if rs = b.sightings.ReserveN(now, n); !rs.OK() || rs.DelayFrom(now) > 0 {
			if rb != nil {
				rb.CancelAt(now)
			}
			return refuse(limitSightings, rs, now)
		}
	}
	return nil
}

// refuse cancels a reservation that would have to wait and reports the wait.
func refuse(limit string, r *rate.Reservation, now time.Time) error {
	if !r.OK() {
		return &rateLimitError{limit: limit, wait: time.Hour}
	}
	wait := r.DelayFrom(now)
	r.CancelAt(now)
	return &rateLimitError{limit: limit, wait: wait}
}

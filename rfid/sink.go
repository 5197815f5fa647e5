package rfid

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hospitalrtls/rtls/location"
)

// Sink takes validated sightings from the ingest; the pipeline implements
// it, queueing them for the location engine. late is how many of them it
// did not take because the engine had finalised their time already (a
// retry come too late): the reader's 2.04 counts them dropped (reason
// "late"), never accepted. An error makes the reader's batch fail with
// 5.03 Service Unavailable, so the reader retries it later: after the
// error's RetryAfter (see Retrier), or 5 s.
type Sink interface {
	Ingest(ctx context.Context, sightings []location.Sighting) (late int, err error)
}

// Shedder is implemented by a Sink that can tell, without the work of a
// batch, that it would refuse one now because its engine is behind:
// postSightings asks it before decoding, and a non-nil error (a Retrier
// for the Max-Age) answers the batch 5.03 at once. Under overload the
// server then spends little on the batches it refuses. Shed must be
// cheap and must not block.
type Shedder interface {
	Shed() error
}

// ShedWindow is what a Sink keeps to implement Shedder: Open after a
// refusal because its engine is behind, and the batches that come within
// ShedFor are refused before decoding. Safe for concurrent use.
type ShedWindow struct {
	until atomic.Int64 // unix ns
}

// ShedFor is how long one refusal because the engine is behind sheds the
// batches after it: short against the lateness budget, so admission
// follows the engine's catching up within a tenth of a second, and long
// enough that an overloaded sink does the work of about ten refusals a
// second instead of one per batch.
const ShedFor = 100 * time.Millisecond

// Open sheds the batches of the next ShedFor from now.
func (w *ShedWindow) Open(now time.Time) { w.until.Store(now.Add(ShedFor).UnixNano()) }

// Shedding reports whether a batch at now is shed.
func (w *ShedWindow) Shedding(now time.Time) bool { return now.UnixNano() < w.until.Load() }

// OpenedSince reports whether the window was opened after t.
func (w *ShedWindow) OpenedSince(t time.Time) bool { return w.until.Load() > t.Add(ShedFor).UnixNano() }

// Retrier is implemented by Sink errors that know when a retry may pass:
// the 5.03's Max-Age is RetryAfter rounded up to whole seconds (at least
// 1). A Sink refusing because the engine is behind asks for a short one, so
// that the retried sightings still arrive within the engine's lateness; one
// refusing because the store is down asks for the default.
type Retrier interface {
	RetryAfter() time.Duration
}

// RetryAfter returns err asking for a retry after d (a Retrier that
// unwraps to err).
func RetryAfter(err error, d time.Duration) error { return retryAfter{err, d} }

type retryAfter struct {
	error
	d time.Duration
}

func (e retryAfter) Unwrap() error             { return e.error }
func (e retryAfter) RetryAfter() time.Duration { return e.d }

// ReaderDirectory tells which reader ids may post batches; the floorplan
// implements it through a small adapter.
type ReaderDirectory interface {
	Known(readerID string) bool
}

// Package memstore is the embedded store.Store: the same live state, event
// stream, geofence state parts and configuration as redisstore, kept in
// process. It is for the demo and a first run without Redis; nothing
// survives a restart.
package memstore

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/alert"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/cursor"
	"github.com/hospitalrtls/rtls/store/internal/fanout"
)

// Defaults for Options fields left zero.
const (
	DefaultEventMaxLen    = 1_000_000
	DefaultEventMaxAge    = 7 * 24 * time.Hour
	DefaultEventTimeSlack = time.Minute
	DefaultWatchBuffer    = 1024
)

// ErrClosed is returned by every method after Close.
var ErrClosed = errors.New("memstore: closed")

// Options configure a Store. Zero values take the defaults above.
type Options struct {
	// EventMaxLen is how many events the stream retains; < 0 means no limit.
	EventMaxLen int64
	// EventMaxAge drops events whose arrival is older than this relative to
	// the newest one; < 0 means no limit.
	EventMaxAge time.Duration
	// EventTimeSlack is how far ListEvents looks beyond its event-time range
	// in arrival time (stream ids), for late or early events.
	EventTimeSlack time.Duration
	// WatchBuffer is the per-subscriber buffer of WatchPositions.
	WatchBuffer int
	// TrailMaxAge is how long trails are kept, in event time before the
	// newest written (store.DefaultTrailMaxAge when zero; < 0 keeps them).
	TrailMaxAge time.Duration
	// AnalyticsMaxAge is how long analytics buckets are kept, by their hour
	// before the newest hour written (store.DefaultAnalyticsMaxAge when
	// zero; < 0 keeps them).
	AnalyticsMaxAge time.Duration
	// Now is the clock for stream ids; nil means time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.EventMaxLen == 0 {
		o.EventMaxLen = DefaultEventMaxLen
	}
	if o.EventMaxAge == 0 {
		o.EventMaxAge = DefaultEventMaxAge
	}
	if o.EventTimeSlack <= 0 {
		o.EventTimeSlack = DefaultEventTimeSlack
	}
	if o.WatchBuffer <= 0 {
		o.WatchBuffer = DefaultWatchBuffer
	}
	if o.TrailMaxAge == 0 {
		o.TrailMaxAge = store.DefaultTrailMaxAge
	}
	if o.AnalyticsMaxAge == 0 {
		o.AnalyticsMaxAge = store.DefaultAnalyticsMaxAge
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Store is the in-process store.Store.
type Store struct {
	opts  Options
	watch *fanout.Hub[location.Position]

	mu      sync.RWMutex // guards everything below
	pos     map[string]location.Position
	all     index                    // every tag with a position
	levels  map[string]index         // tags per level
	rooms   map[string]index         // tags per room
	events  []entry                  // retained stream, ascending ids
	last    cursor.ID                // id of the newest event ever appended
	durable durable                  // fence parts, configuration, sequence numbers
	trails  map[string]*trail        // per tag (trail.go)
	agg     aggregates               // analytics buckets (analytics.go)
	swept   int64                    // event time of the last sweep for idle trails
	battery map[string]alert.Battery // last battery level per tag
	// appended is closed and replaced whenever events are appended (and on
	// Close), waking blocked readers.
	appended chan struct{}
	closed   bool

	audit auditLog // the audit log, under its own lock
}

var (
	_ store.Store    = (*Store)(nil)
	_ store.AuditLog = (*Store)(nil)
)

// New returns an empty store.
func New(opts Options) *Store {
	opts = opts.withDefaults()
	return &Store{
		opts:     opts,
		watch:    fanout.New[location.Position](opts.WatchBuffer),
		pos:      map[string]location.Position{},
		levels:   map[string]index{},
		rooms:    map[string]index{},
		durable:  newDurable(),
		battery:  map[string]alert.Battery{},
		trails:   map[string]*trail{},
		appended: make(chan struct{}),
	}
}

// Apply writes u atomically: no reader sees part of it. An update with a
// Seq at or below the newest applied one writes nothing (see store.Update).
func (s *Store) Apply(_ context.Context, u store.Update) ([]geofence.Event, error) {
	if err := u.Validate(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if u.Seq != 0 && u.Seq <= s.durable.seq {
		return s.durable.replay(u)
	}
	accepted := s.applyPositions(u.Positions)
	s.applyBatteries(u.Batteries)
	events := s.appendEvents(u.Events)
	s.durable.write(u, events)
	s.applyTrail(u.Visits, u.Trail)
	s.applyAnalytics(u.Analytics)
	// Published under the lock so watchers see positions in write order;
	// Publish never blocks.
	s.watch.Publish(accepted...)
	return events, nil
}

// WatchPositions delivers positions applied after the call until ctx ends.
func (s *Store) WatchPositions(ctx context.Context) (<-chan location.Position, error) {
	ch, err := s.watch.Subscribe(ctx)
	if errors.Is(err, fanout.ErrClosed) {
		return nil, ErrClosed
	}
	return ch, err
}

// Close closes watchers, wakes blocked readers and makes later calls fail.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.appended)
		s.watch.Close()
	}
	return nil
}

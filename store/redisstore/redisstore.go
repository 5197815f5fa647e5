// Package redisstore is the store.Store on Redis (go-redis v9): live
// positions with room and level membership, last-seen times, the event
// stream, geofence state parts and configuration, shared by every server of
// a site and kept across their restarts.
//
// Every write is one Lua script per Apply (atomic, one round trip; with a
// Seq, idempotent). Reads
// are single commands or one read-only script. Watchers and blocked event
// readers share one Pub/Sub connection per Store. Requires Redis >= 6.2
// (XTRIM MINID, exclusive XRANGE). keys.go lists every key.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hospitalrtls/rtls/store"
	"github.com/redis/go-redis/v9"
)

// Defaults for Options fields left zero.
const (
	DefaultURL            = "redis://127.0.0.1:6379/0"
	DefaultSite           = "default"
	DefaultEventMaxLen    = 1_000_000
	DefaultEventMaxAge    = 7 * 24 * time.Hour
	DefaultEventTimeSlack = time.Minute
	DefaultWatchBuffer    = 1024
	// DefaultIOTimeout bounds dialling and each socket read and write of a
	// command whose context has no deadline, unless the URL sets
	// dial_timeout, read_timeout or write_timeout: a hung server fails
	// calls instead of blocking them.
	DefaultIOTimeout = 2 * time.Second
)

// ErrBadSite is returned for a site name that cannot be a Redis hash tag.
var ErrBadSite = errors.New("redisstore: site must not contain '{' or '}'")

// Options configure a Store. Zero values take the defaults above.
type Options struct {
	// URL of the Redis server, e.g. redis://127.0.0.1:6379/0, or of the
	// Cluster nodes or Sentinels as Mode says (New only).
	URL string
	// Mode says what URL names: one server (the default), a Redis Cluster
	// or Sentinels (New only; client.go).
	Mode Mode
	// Site whose state the store holds; each site has its own keys.
	Site string
	// EventMaxLen is about how many events the stream retains (trimmed
	// approximately, never below it); < 0 means no limit.
	EventMaxLen int64
	// EventMaxAge drops events that arrived this long before the newest one
	// (approximately); < 0 means no limit.
	EventMaxAge time.Duration
	// EventTimeSlack is how far ListEvents looks beyond its event-time range
	// in arrival time (stream ids), for late or early events.
	EventTimeSlack time.Duration
	// TrailMaxAge is how long trails are kept, in event time before the
	// newest written (store.DefaultTrailMaxAge when zero; < 0 keeps them).
	TrailMaxAge time.Duration
	// AnalyticsMaxAge is how long analytics buckets are kept, by their hour
	// before the newest hour written (store.DefaultAnalyticsMaxAge when
	// zero; < 0 keeps them).
	AnalyticsMaxAge time.Duration
	// WatchBuffer is the per-subscriber buffer of WatchPositions.
	WatchBuffer int
	// Logger receives errors that no caller sees (Pub/Sub decoding); nil
	// means slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() (Options, error) {
	if o.URL == "" {
		o.URL = DefaultURL
	}
	if o.Site == "" {
		o.Site = DefaultSite
	}
	if strings.ContainsAny(o.Site, "{}") {
		return o, ErrBadSite
	}
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
	if o.AnalyticsMaxAge == 0 {
		o.AnalyticsMaxAge = store.DefaultAnalyticsMaxAge
	}
	if o.TrailMaxAge == 0 {
		o.TrailMaxAge = store.DefaultTrailMaxAge
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}

// Store is the Redis store.Store of one site.
type Store struct {
	rdb    redis.UniversalClient
	own    bool // Close closes rdb
	opts   Options
	keys   keys
	notify *notifier
	closed atomic.Bool
	// acked is the highest Seq Apply acknowledged; rollbacks counts the
	// updates that found a lower one stored (RolledBack).
	acked, rollbacks atomic.Uint64
	// recent holds the newest events this store wrote, for its readers.
	recent recent
}

var _ store.Store = (*Store)(nil)

// New connects to opts.URL as opts.Mode says, checks the server answers
// and returns the store. Its client honours context deadlines on every
// command.
func New(ctx context.Context, opts Options) (*Store, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	rdb, addr, err := newClient(opts)
	if err != nil {
		return nil, err
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("redisstore: cannot reach %s: %w", addr, classify(err))
	}
	s, err := NewFromClient(rdb, opts)
	if err != nil {
		_ = rdb.Close()
		return nil, err
	}
	s.own = true
	return s, nil
}

// NewFromClient returns a store on an existing client (a Cluster, Sentinel
// or plain client). Close does not close rdb.
func NewFromClient(rdb redis.UniversalClient, opts Options) (*Store, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	k := newKeys(opts.Site)
	return &Store{rdb: rdb, opts: opts, keys: k,
		notify: newNotifier(rdb, k, opts.WatchBuffer, opts.Logger)}, nil
}

// Close stops watchers and blocked readers and, for a store from New,
// closes the client.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.notify.close()
	if s.own {
		return s.rdb.Close()
	}
	return nil
}

package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/redis/go-redis/v9"

	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

// ErrFenced is returned by the writes of a Fenced store whose token is no
// longer the newest: another instance was granted the site's lease since,
// and nothing was written.
var ErrFenced = errors.New("redisstore: fencing token superseded: another instance owns the site's engine")

// acquireScript grants the site's engine lease (KEYS[1]) to ARGV[1] for
// ARGV[2] ms unless another owner holds it (an owner of the same name is
// a restart of it: it gets the lease back), with a fencing token above the last
// granted (KEYS[2]) and not below the server's clock in ms, so that tokens
// keep increasing even after the site's keys were lost (a flush, a restart
// without persistence). It returns the token, or 0 when the lease is held.
// The lease's value is "owner token", followed by " address" when the
// owner publishes one (ARGV[3], see AcquireLeaseAt).
var acquireScript = redis.NewScript(`
local held = redis.call('GET', KEYS[1])
if held and string.sub(held, 1, #ARGV[1] + 1) ~= ARGV[1] .. ' ' then return 0 end
local t = redis.call('TIME')
local token = math.max(tonumber(redis.call('GET', KEYS[2]) or '0') + 1, tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
local s = string.format('%.0f', token)
redis.call('SET', KEYS[2], s)
local v = ARGV[1] .. ' ' .. s
if ARGV[3] ~= '' then v = v .. ' ' .. ARGV[3] end
redis.call('SET', KEYS[1], v, 'PX', ARGV[2])
return token
`)

// renewScript extends the lease (KEYS[1]) by ARGV[2] ms if its value is
// still ARGV[1] ("owner token", with " address" when one is published:
// ARGV[4]), and returns 1. When the lease and the
// fencing token (KEYS[2]) were lost together with the rest of the site's
// keys, or the lease expired and no one was granted it since (the fencing
// token is still ARGV[3]), it takes the lease again with the same token.
// Otherwise it returns 0: the lease is another's.
var renewScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] or v == ARGV[1] .. ' ' .. ARGV[4] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if v then return 0 end
local f = redis.call('GET', KEYS[2])
if f and f ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[2], ARGV[3])
local nv = ARGV[1]
if ARGV[4] ~= '' then nv = nv .. ' ' .. ARGV[4] end
redis.call('SET', KEYS[1], nv, 'PX', ARGV[2])
return 1
`)

// releaseScript deletes the lease (KEYS[1]) if its value is ARGV[1]
// ("owner token"), with or without a published address.
var releaseScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v ~= ARGV[1] and string.sub(v or '', 1, #ARGV[1] + 1) ~= ARGV[1] .. ' ' then return 0 end
return redis.call('DEL', KEYS[1])
`)

// AcquireLease takes the site's engine lease (rtls:{site}:lease) for ttl
// if no other instance holds it, and returns its fencing token (increasing over
// the site's life, also across a loss of its keys); ok is false when
// another instance holds it. An owner holding it under the same name is
// taken to be an earlier run of this one (owner names must be unique per
// process): it gets a new token, which fences the old run out. Only the
// holder of the newest token may write through Fenced.
func (s *Store) AcquireLease(ctx context.Context, owner string, ttl time.Duration) (token uint64, ok bool, err error) {
	return s.AcquireLeaseAt(ctx, owner, "", ttl)
}

// ErrLeaseName is returned by the lease calls for an owner name or address
// that is empty or holds white space: the lease's value is "owner token
// address", split at spaces.
var ErrLeaseName = errors.New("redisstore: lease owner names and addresses must be non-empty and hold no white space")

// AcquireLeaseAt is AcquireLease for an owner that publishes, with its
// lease, the address its API is reached at (host:port; "" none): the
// other instances of the site read it with LeaseHolder to forward calls
// that need the engine.
func (s *Store) AcquireLeaseAt(ctx context.Context, owner, addr string, ttl time.Duration) (token uint64, ok bool, err error) {
	if badLeaseName(owner) || (addr != "" && badLeaseName(addr)) {
		return 0, false, ErrLeaseName
	}
	n, err := acquireScript.Run(ctx, s.rdb, []string{s.keys.lease, s.keys.fencing}, owner, ttl.Milliseconds(), addr).Int64()
	if err != nil {
		return 0, false, wrap("lease", err)
	}
	return uint64(n), n > 0, nil
}

// RenewLease extends the lease by ttl if owner still holds it with token
// and the address it was acquired with (addr, "" none), or takes it again
// with both if no other was granted it since, as after a loss of the
// site's keys; false means it is another's now: the owner must stop
// running the engine.
func (s *Store) RenewLease(ctx context.Context, owner, addr string, token uint64, ttl time.Duration) (bool, error) {
	n, err := renewScript.Run(ctx, s.rdb, []string{s.keys.lease, s.keys.fencing}, leaseValue(owner, token), ttl.Milliseconds(),
		strconv.FormatUint(token, 10), addr).Int()
	if err != nil {
		return false, wrap("lease", err)
	}
	return n == 1, nil
}

// ReleaseLease gives the lease up if owner holds it with token, so that a
// standby takes over without waiting for it to expire.
func (s *Store) ReleaseLease(ctx context.Context, owner string, token uint64) error {
	if err := releaseScript.Run(ctx, s.rdb, []string{s.keys.lease}, leaseValue(owner, token)).Err(); err != nil {
		return wrap("lease", err)
	}
	return nil
}

func leaseValue(owner string, token uint64) string {
	return owner + " " + strconv.FormatUint(token, 10)
}

func badLeaseName(v string) bool {
	return v == "" || strings.IndexFunc(v, unicode.IsSpace) >= 0
}

// LeaseHolder is the holder of a site's engine lease as LeaseHolder
// reads it.
type LeaseHolder struct {
	Owner string // the instance's name
	Token uint64 // its fencing token
	Addr  string // the address of its API; "" when it published none
}

// LeaseHolder returns the current holder of the site's engine lease; ok
// is false while no instance holds it.
func (s *Store) LeaseHolder(ctx context.Context) (h LeaseHolder, ok bool, err error) {
	v, err := s.rdb.Get(ctx, s.keys.lease).Result()
	if errors.Is(err, redis.Nil) {
		return LeaseHolder{}, false, nil
	}
	if err != nil {
		return LeaseHolder{}, false, wrap("lease", err)
	}
	f := strings.Fields(v)
	if len(f) < 2 || len(f) > 3 {
		return LeaseHolder{}, false, fmt.Errorf("redisstore: lease: malformed value of %d fields", len(f))
	}
	h.Owner = f[0]
	if h.Token, err = strconv.ParseUint(f[1], 10, 64); err != nil {
		return LeaseHolder{}, false, fmt.Errorf("redisstore: lease: malformed token: %w", err)
	}
	if len(f) == 3 {
		h.Addr = f[2]
	}
	return h, true, nil
}

// ErrFenceLost is returned by the writes of a Fenced store when no fencing
// token is stored at all: the site's keys were lost (a flush, a restart
// without persistence). Nothing was written; renewing the lease
// (RenewLease) stores the holder's token again.
var ErrFenceLost = errors.New("redisstore: the site's fencing token is gone (its keys were lost); renew the lease")

// Fenced is the store's write path for the holder of a fencing token:
// every write checks, in the same atomic step, that the token is still
// the newest granted, and fails with ErrFenced (ErrFenceLost when none is
// stored) without writing otherwise.
// An owner that was paused past its lease cannot write after waking.
type Fenced struct {
	s     *Store
	token uint64
}

// Fenced returns the write path of the holder of token.
func (s *Store) Fenced(token uint64) *Fenced { return &Fenced{s: s, token: token} }

// Apply is Store.Apply under the fencing check.
func (f *Fenced) Apply(ctx context.Context, u store.Update) ([]geofence.Event, error) {
	return f.s.apply(ctx, u, f.token)
}

// ExpirePositions is Store.ExpirePositions under the fencing check.
func (f *Fenced) ExpirePositions(ctx context.Context, before int64) (int, error) {
	return f.s.expire(ctx, before, f.token)
}

// Spreading sites over hosts: every owner marks, in its host's set
// rtls:host:{host}:engines (a zset of site -> expiry in Redis-clock ms;
// not a site's key, so in a slot of its own), that it runs its site's
// engine there, renewing the mark with its lease. A standby asks how many
// other sites' engines its host runs before it takes a free lease (see
// server/owner.go), so that the sites of a campus spread over its hosts.

// hostMarkScript sets ARGV[1]'s expiry in the host's set (KEYS[1]) to the
// Redis clock plus ARGV[2] ms, drops expired entries and keeps the set
// itself for twice that.
var hostMarkScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[2]))
return 1
`)

// hostCountScript counts the unexpired entries of the host's set
// (KEYS[1]) other than ARGV[1].
var hostCountScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
local mine = redis.call('ZSCORE', KEYS[1], ARGV[1])
if mine and tonumber(mine) > now then n = n - 1 end
return n
`)

func hostKey(host string) string { return "rtls:host:{" + host + "}:engines" }

// MarkHostEngine records for ttl that this site's engine runs on host (a
// machine's name); the owner renews it with its lease.
func (s *Store) MarkHostEngine(ctx context.Context, host string, ttl time.Duration) error {
	if err := hostMarkScript.Run(ctx, s.rdb, []string{hostKey(host)}, s.opts.Site, ttl.Milliseconds()).Err(); err != nil {
		return wrap("host", err)
	}
	return nil
}

// UnmarkHostEngine removes MarkHostEngine's record: the engine stopped.
func (s *Store) UnmarkHostEngine(ctx context.Context, host string) error {
	if err := s.rdb.ZRem(ctx, hostKey(host), s.opts.Site).Err(); err != nil {
		return wrap("host", err)
	}
	return nil
}

// HostEngines returns how many other sites' engines run on host, as
// their owners marked it.
func (s *Store) HostEngines(ctx context.Context, host string) (int, error) {
	n, err := hostCountScript.Run(ctx, s.rdb, []string{hostKey(host)}, s.opts.Site).Int()
	if err != nil {
		return 0, wrap("host", err)
	}
	return n, nil
}

package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/hospitalrtls/rtls/location/alert"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/cursor"
)

// batteryScript stores tags' last battery levels: the level hash and the
// lex-ordered set of store.BatteryKey members. A level older (by ts) than
// the stored one of its tag is skipped, so a retried update changes
// nothing.
//
// KEYS: level hash, key set. ARGV: per level: tag, percent (three digits),
// ts, low ("1" or "0").
var batteryScript = redis.NewScript(`
local hash, set = KEYS[1], KEYS[2]
for i = 1, #ARGV, 4 do
  local tag, pct, ts, low = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local old = redis.call('HGET', hash, tag)
  local skip = false
  if old then
    local oldPct, oldTS = string.match(old, '^(%d+) (%d+)')
    if tonumber(ts) < tonumber(oldTS) then
      skip = true
    else
      redis.call('ZREM', set, oldPct .. ':' .. tag)
    end
  end
  if not skip then
    redis.call('ZADD', set, 0, pct .. ':' .. tag)
    redis.call('HSET', hash, tag, pct .. ' ' .. ts .. ' ' .. low)
  end
end
return 1
`)

// applyWithBatteries runs the apply script and the battery script in one
// MULTI/EXEC, so that an update with battery levels stays atomic; the
// scripts are sent whole (EVAL), as a transaction cannot fall back from
// EVALSHA. Battery levels change rarely: the extra bytes do not matter.
// With a fence token the transaction WATCHes the fencing key and runs only
// while the token is the newest, as the battery script does not check it.
// It returns the Seq stored before (for checkRollback) and the apply
// script's reply.
func (s *Store) applyWithBatteries(ctx context.Context, keys []string, args []any, u store.Update, fence uint64) (*redis.StringCmd, []string, error) {
	bargs := make([]any, 0, 4*len(u.Batteries))
	for _, b := range u.Batteries {
		low := "0"
		if b.Low {
			low = "1"
		}
		bargs = append(bargs, b.Tag, fmt.Sprintf("%03d", b.Percent), strconv.FormatInt(b.TS, 10), low)
	}
	if fence == 0 {
		return s.batteryTx(ctx, s.rdb, keys, args, bargs)
	}
	unread := redis.NewStringResult("", errSeqUnread)
	var prev *redis.StringCmd
	var out []string
	err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
		cur, err := tx.Get(ctx, s.keys.fencing).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
		switch cur {
		case strconv.FormatUint(fence, 10):
		case "":
			prev, out = unread, []string{"nofence"}
			return nil
		default:
			prev, out = unread, []string{"fenced"}
			return nil
		}
		prev, out, err = s.batteryTx(ctx, tx, keys, args, bargs)
		return err
	}, s.keys.fencing)
	if errors.Is(err, redis.TxFailedErr) { // the token changed: a newer one was granted
		return unread, []string{"fenced"}, nil
	}
	return prev, out, err
}

// errSeqUnread stands for the stored Seq of an update refused before it
// was read: checkRollback skips it.
var errSeqUnread = errors.New("redisstore: seq not read")

// txPipeliner runs a MULTI/EXEC: a client, or a transaction under WATCH.
type txPipeliner interface {
	TxPipelined(ctx context.Context, fn func(redis.Pipeliner) error) ([]redis.Cmder, error)
}

// batteryTx runs a GET of the stored Seq, the apply and the battery
// scripts in one MULTI/EXEC on c.
func (s *Store) batteryTx(ctx context.Context, c txPipeliner, keys []string, args, bargs []any) (*redis.StringCmd, []string, error) {
	var reply *redis.Cmd
	var prev *redis.StringCmd
	_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		prev = p.Get(ctx, s.keys.seq) // for checkRollback
		reply = applyScript.Eval(ctx, p, keys, args...)
		batteryScript.Eval(ctx, p, []string{s.keys.battery, s.keys.batteries}, bargs...)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, err
	}
	out, err := reply.StringSlice()
	return prev, out, err
}

// ListBatteries pages through the last battery levels at or below
// q.MaxPercent, lowest first, then by tag id, reading the key set and the
// levels in one script call.
func (s *Store) ListBatteries(ctx context.Context, q store.BatteryQuery) (store.BatteryPage, error) {
	lexMin := "-"
	if q.PageToken != "" {
		after, err := cursor.ParseToken(cursor.Batteries, q.PageToken)
		if err != nil {
			return store.BatteryPage{}, err
		}
		if _, _, err := store.ParseBatteryKey(after); err != nil {
			return store.BatteryPage{}, err
		}
		lexMin = "(" + after
	}
	if q.MaxPercent < 0 {
		return store.BatteryPage{}, nil
	}
	size := cursor.PageSize(q.PageSize)
	// every key of a percentage p sorts before "p;" (';' follows ':')
	lexMax := fmt.Sprintf("(%03d;", min(q.MaxPercent, 100))
	res, err := batteryPageScript.Run(ctx, s.rdb, []string{s.keys.batteries, s.keys.battery}, lexMin, lexMax, size+1).Slice()
	if err != nil {
		return store.BatteryPage{}, fmt.Errorf("redisstore: list batteries: %w", err)
	}
	members, levels := res[0].([]any), res[1].([]any)
	var page store.BatteryPage
	for i, m := range members {
		key, _ := m.(string)
		raw, _ := levels[i].(string)
		b, err := decodeBattery(key, raw)
		if err != nil {
			return store.BatteryPage{}, err
		}
		if len(page.Batteries) == size {
			page.NextPageToken = cursor.Token(cursor.Batteries, store.BatteryKey(page.Batteries[size-1].Percent, page.Batteries[size-1].Tag))
			break
		}
		page.Batteries = append(page.Batteries, b)
	}
	return page, nil
}

// batteryPageScript reads one page of the battery key set and the levels
// of its tags in one consistent step.
//
// KEYS: key set, level hash. ARGV: ZRANGEBYLEX min, max, count. It returns
// {keys, levels}.
var batteryPageScript = redis.NewScript(`
local keys = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
if #keys == 0 then return {{}, {}} end
local tags = {}
for i, k in ipairs(keys) do tags[i] = string.sub(k, 5) end
return {keys, redis.call('HMGET', KEYS[2], unpack(tags))}
`)

// decodeBattery parses a stored level ("percent ts low") of the tag of key.
func decodeBattery(key, raw string) (alert.Battery, error) {
	_, tag, err := store.ParseBatteryKey(key)
	if err != nil {
		return alert.Battery{}, fmt.Errorf("%w: battery key", errCorrupt)
	}
	f := strings.Fields(raw)
	if len(f) != 3 {
		return alert.Battery{}, fmt.Errorf("%w: battery level", errCorrupt)
	}
	pct, err1 := strconv.Atoi(f[0])
	ts, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil {
		return alert.Battery{}, fmt.Errorf("%w: battery level", errCorrupt)
	}
	return alert.Battery{Tag: tag, Percent: pct, TS: ts, Low: f[2] == "1"}, nil
}

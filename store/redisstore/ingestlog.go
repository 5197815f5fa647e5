package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrLogFull is returned by AppendIngest when the site's ingest log holds
// its maximum number of entries: the engine is behind, and a batch that
// cannot be logged must not be acknowledged.
var ErrLogFull = errors.New("redisstore: ingest log full")

// ErrLogBehind is returned by AppendIngest when the engine consuming the
// ingest log is further behind than the bound given: the oldest entry it
// has not taken is older than that. A batch appended now would not reach
// the engine within the lateness; the reader gets 5.03 and retries.
var ErrLogBehind = errors.New("redisstore: ingest log consumer behind")

// ErrLogLate is returned by AppendIngest when every sighting of the batch
// is at or before the ingest bar (or the written watermark): the engine may
// have finalised their time already; a retry come too late to be located.
// Nothing is appended.
var ErrLogLate = errors.New("redisstore: batch behind the ingest bar")

// PartlyLateError is returned by AppendIngest when some, not all, of the
// batch's sightings are at or before the ingest bar: nothing is appended;
// the caller appends those after Bar and reports the others late.
type PartlyLateError struct {
	Bar int64 // ms
}

func (e *PartlyLateError) Error() string {
	return fmt.Sprintf("redisstore: some sightings at or before the ingest bar %d", e.Bar)
}

// IngestEntry is one batch of the ingest log: its stream id and the bytes
// appended.
type IngestEntry struct {
	ID   string
	Data []byte
}

// appendScript appends ARGV[2] to the ingest log (KEYS[1]) unless the
// batch's stamps, oldest ARGV[5] and newest ARGV[4], are not all after the
// ingest bar (KEYS[4], or the written watermark KEYS[3] when higher): it
// returns {'late', bar} when none is, {'partly', bar} when some are not;
// or the log has ARGV[1] entries or more (it returns false); or, when
// ARGV[3] > 0 and an engine consumes the log (its cursor, KEYS[2], is
// set), the oldest entry after the cursor is more than ARGV[3] ms old by
// the server's clock (it returns that age). Otherwise it returns the new
// id. Entry ids are the server's clock in ms, so the age needs no clock of
// rtlsd's.
var appendScript = redis.NewScript(`
local bar = math.max(tonumber(redis.call('GET', KEYS[4]) or '-1'), tonumber(redis.call('GET', KEYS[3]) or '-1'))
if bar >= 0 then
  if tonumber(ARGV[4]) <= bar then return {'late', tostring(bar)} end
  if tonumber(ARGV[5]) <= bar then return {'partly', tostring(bar)} end
end
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return false end
local maxLag = tonumber(ARGV[3])
if maxLag > 0 then
  local cur = redis.call('GET', KEYS[2])
  if cur then
    local nxt = redis.call('XRANGE', KEYS[1], '(' .. cur, '+', 'COUNT', 1)
    if #nxt > 0 then
      local t = redis.call('TIME')
      local age = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(string.match(nxt[1][1], '^%d+'))
      if age > maxLag then return age end
    end
  end
end
return redis.call('XADD', KEYS[1], '*', 'b', ARGV[2])
`)

// barScript raises the ingest bar (KEYS[1]) to ARGV[2] if ARGV[1] is the
// newest fencing token (KEYS[2]; -1 if another is, -2 if none is stored),
// and returns the id of the log's (KEYS[3]) newest entry ("0-0": empty).
var barScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[2])
if not cur then return -2 end
if cur ~= ARGV[1] then return -1 end
local bar = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[2]) > bar then redis.call('SET', KEYS[1], ARGV[2]) end
local last = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
if #last == 0 then return '0-0' end
return last[1][1]
`)

// cursorScript sets the consumer's cursor (KEYS[1]) to ARGV[2] for
// ARGV[3] ms if ARGV[1] is the newest fencing token (KEYS[2]); -1 if
// another is, -2 if none is stored.
var cursorScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[2])
if not cur then return -2 end
if cur ~= ARGV[1] then return -1 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 0
`)

// trimScript drops the ingest log's (KEYS[1]) entries before id ARGV[2]
// if ARGV[1] is the newest fencing token (KEYS[2]); -1 if another is, -2
// if none is stored.
var trimScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[2])
if not cur then return -2 end
if cur ~= ARGV[1] then return -1 end
return redis.call('XTRIM', KEYS[1], 'MINID', ARGV[2])
`)

// AppendIngest appends one batch, whose sightings are stamped oldest to
// newest (ms), to the site's ingest log (rtls:{site}:ingest) and returns
// its id. Refusals: ErrLogLate when every sighting is at or before the
// ingest bar (RaiseIngestBar) or the written watermark (IngestWatermark),
// *PartlyLateError when some are; ErrLogFull when the log holds maxLen
// entries; ErrLogBehind when maxLag > 0 and the engine consuming the log
// (SetIngestCursor) has not taken an entry older than maxLag. Once it
// returns an id, the batch survives a crash of any rtlsd.
func (s *Store) AppendIngest(ctx context.Context, data []byte, oldest, newest, maxLen int64, maxLag time.Duration) (string, error) {
	res, err := appendScript.Run(ctx, s.rdb, []string{s.keys.ingest, s.keys.ingestCursor, s.keys.ingestWM, s.keys.ingestBar},
		maxLen, data, maxLag.Milliseconds(), newest, oldest).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return "", ErrLogFull
	case err != nil:
		return "", wrap("ingest append", err)
	}
	switch v := res.(type) {
	case string:
		return v, nil
	case int64:
		return "", fmt.Errorf("%w: oldest entry not taken is %d ms old, bound %s", ErrLogBehind, v, maxLag)
	case []any:
		if len(v) == 2 {
			kind, _ := v[0].(string)
			b, _ := v[1].(string)
			bar, perr := strconv.ParseInt(b, 10, 64)
			switch {
			case perr != nil:
			case kind == "late":
				return "", fmt.Errorf("%w: newest sighting %d, bar %d", ErrLogLate, newest, bar)
			case kind == "partly":
				return "", &PartlyLateError{Bar: bar}
			}
		}
	}
	return "", fmt.Errorf("redisstore: ingest append: unexpected reply %v", res)
}

// RaiseIngestBar raises, under the fencing check, the ingest bar to bar
// (ms): from now on AppendIngest refuses sightings stamped at or before
// it. It returns the id of the log's newest entry ("0-0" when empty): once
// the engine has taken every entry up to that id, no sighting at or before
// bar can still come, and it may finalise up to bar.
func (f *Fenced) RaiseIngestBar(ctx context.Context, bar int64) (string, error) {
	res, err := barScript.Run(ctx, f.s.rdb, []string{f.s.keys.ingestBar, f.s.keys.fencing, f.s.keys.ingest},
		strconv.FormatUint(f.token, 10), bar).Result()
	if err != nil {
		return "", wrap("ingest bar", err)
	}
	switch v := res.(type) {
	case string:
		return v, nil
	case int64:
		return "", fencedReply("ingest bar", int(v), nil)
	}
	return "", fmt.Errorf("redisstore: ingest bar: unexpected reply %v", res)
}

// SetIngestCursor records, under the fencing check, that the engine took
// the log's entries up to id; the record lapses after ttl, so that a
// dead engine's cursor does not make AppendIngest refuse (a new owner
// resumes from the log instead).
func (f *Fenced) SetIngestCursor(ctx context.Context, id string, ttl time.Duration) error {
	n, err := cursorScript.Run(ctx, f.s.rdb, []string{f.s.keys.ingestCursor, f.s.keys.fencing},
		strconv.FormatUint(f.token, 10), id, ttl.Milliseconds()).Int()
	return fencedReply("ingest cursor", n, err)
}

// fencedReply is the error of a fenced script's reply n: -1 another token
// is the newest (ErrFenced), -2 none is stored (ErrFenceLost).
func fencedReply(op string, n int, err error) error {
	switch {
	case err != nil:
		return wrap(op, err)
	case n == -1:
		return ErrFenced
	case n == -2:
		return ErrFenceLost
	}
	return nil
}

// ReadIngest returns up to count entries of the ingest log after id
// afterID ("0": from the oldest), waiting up to block for one (0: no
// wait); none on a timeout.
func (s *Store) ReadIngest(ctx context.Context, afterID string, count int, block time.Duration) ([]IngestEntry, error) {
	args := &redis.XReadArgs{Streams: []string{s.keys.ingest, afterID}, Count: int64(count), Block: -1}
	if block > 0 {
		args.Block = block
	}
	res, err := s.rdb.XRead(ctx, args).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("ingest read", err)
	}
	var out []IngestEntry
	for _, st := range res {
		for _, m := range st.Messages {
			b, _ := m.Values["b"].(string)
			out = append(out, IngestEntry{ID: m.ID, Data: []byte(b)})
		}
	}
	return out, nil
}

// IngestLen returns how many entries the ingest log holds.
func (s *Store) IngestLen(ctx context.Context) (int64, error) {
	n, err := s.rdb.XLen(ctx, s.keys.ingest).Result()
	if err != nil {
		return 0, wrap("ingest len", err)
	}
	return n, nil
}

// IngestWatermark returns the event time (ms) up to which the ingest log
// is processed and written (the highest store.Update.Watermark applied),
// 0 when none was.
func (s *Store) IngestWatermark(ctx context.Context) (int64, error) {
	v, err := s.rdb.Get(ctx, s.keys.ingestWM).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, wrap("ingest watermark", err)
	}
	return v, nil
}

// TrimIngest drops the ingest log's entries with ids before minID, under
// the fencing check (ErrFenced or ErrFenceLost: nothing dropped).
func (f *Fenced) TrimIngest(ctx context.Context, minID string) error {
	n, err := trimScript.Run(ctx, f.s.rdb, []string{f.s.keys.ingest, f.s.keys.fencing}, strconv.FormatUint(f.token, 10), minID).Int()
	return fencedReply("ingest trim", n, err)
}

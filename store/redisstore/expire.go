package redisstore

import (
	"context"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// expireChunk bounds the tags one expireScript call deletes, so a mass
// expiry does not block Redis for long.
const expireChunk = 2000

// expireScript deletes up to ARGV[4] tags whose last-seen time is below
// ARGV[3]: their position, placement, tag, last-seen and level and room
// set entries. It returns how many it deleted, or without deleting -1
// when the fencing token is not "0" and not the stored one (see Fenced),
// -2 when none is stored.
//
// KEYS: positions hash, placements hash, tags set, seen set, fencing token.
// ARGV: level set prefix, room set prefix, before (ms), chunk, fencing token.
var expireScript = redis.NewScript(`
local posKey, whereKey, tagsKey, seenKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local levelPrefix, roomPrefix = ARGV[1], ARGV[2]
local SEP = '\255'
if ARGV[5] ~= '0' then
  local cur = redis.call('GET', KEYS[5])
  if not cur then return -2 end
  if cur ~= ARGV[5] then return -1 end
end
local tags = redis.call('ZRANGEBYSCORE', seenKey, '-inf', '(' .. ARGV[3], 'LIMIT', 0, tonumber(ARGV[4]))
if #tags == 0 then return 0 end
local where = redis.call('HMGET', whereKey, unpack(tags))
for k, tag in ipairs(tags) do
  local w = where[k]
  if w then
    local a = string.find(w, SEP, 1, true)
    local b = a and string.find(w, SEP, a + 1, true)
    if b then
      local level, room = string.sub(w, a + 1, b - 1), string.sub(w, b + 1)
      if level ~= '' then redis.call('ZREM', levelPrefix .. level, tag) end
      if room ~= '' then redis.call('ZREM', roomPrefix .. room, tag) end
    end
  end
end
redis.call('HDEL', posKey, unpack(tags))
redis.call('HDEL', whereKey, unpack(tags))
redis.call('ZREM', tagsKey, unpack(tags))
redis.call('ZREM', seenKey, unpack(tags))
return #tags
`)

// ExpirePositions deletes every tag whose position is older than before,
// a chunk of tags per script call.
func (s *Store) ExpirePositions(ctx context.Context, before int64) (int, error) {
	return s.expire(ctx, before, 0)
}

// expire deletes as ExpirePositions does, if fence is 0 or the newest
// fencing token (ErrFenced otherwise).
func (s *Store) expire(ctx context.Context, before int64, fence uint64) (int, error) {
	keys := []string{s.keys.positions, s.keys.placements, s.keys.tags, s.keys.seen, s.keys.fencing}
	total := 0
	for {
		n, err := expireScript.Run(ctx, s.rdb, keys, s.keys.levelPrefix, s.keys.roomPrefix, before, expireChunk,
			strconv.FormatUint(fence, 10)).Int()
		if err := fencedReply("expire", n, err); err != nil {
			return total, err
		}
		total += n
		if n < expireChunk {
			return total, nil
		}
	}
}

package redisstore

import "github.com/redis/go-redis/v9"

// applyScript writes one store.Update atomically (a Lua script runs alone):
// positions with their level, room, tag and last-seen sets, events appended
// to the stream with retention, and one PUBLISH of the positions and one of
// the newest event id.
//
// KEYS: positions hash, tags set, seen set, event stream.
// ARGV: level set prefix, room set prefix, position channel, event channel,
// #positions, #events, max stream length (0 = none), max age ms (0 = none);
// then per position: tag, level, room, ts, encoded position; then per
// event: n, then n field names and values.
//
// The level and room sets are named from the prefixes, not passed as KEYS:
// the old room is only known inside the script. They share the site's hash
// tag, so on Redis Cluster they live in the same slot as the declared keys.
var applyScript = redis.NewScript(`
local posKey, tagsKey, seenKey, stream = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local levelPrefix, roomPrefix = ARGV[1], ARGV[2]
local npos, nev = tonumber(ARGV[5]), tonumber(ARGV[6])
local maxlen, maxage = tonumber(ARGV[7]), tonumber(ARGV[8])

local function stored(tag)
  local raw = redis.call('HGET', posKey, tag)
  if not raw then return false end
  local ok, o = pcall(cjson.decode, raw)
  if not ok or type(o) ~= 'table' then return {ts = -1, level = '', room = ''} end
  local function str(v) if type(v) == 'string' then return v end return '' end
  return {ts = tonumber(o.ts) or -1, level = str(o.level), room = str(o.room)}
end

local function move(prefix, from, to, tag)
  if from == to then return end
  if from ~= '' then redis.call('ZREM', prefix .. from, tag) end
  if to ~= '' then redis.call('ZADD', prefix .. to, 0, tag) end
end

local current = {}
local accepted = {}
local i = 9
for _ = 1, npos do
  local tag, level, room, ts, value = ARGV[i], ARGV[i+1], ARGV[i+2], tonumber(ARGV[i+3]), ARGV[i+4]
  i = i + 5
  local old = current[tag]
  if old == nil then old = stored(tag) end
  if not old or old.ts <= ts then
    if not old then
      redis.call('ZADD', tagsKey, 0, tag)
      old = {level = '', room = ''}
    end
    move(levelPrefix, old.level, level, tag)
    move(roomPrefix, old.room, room, tag)
    redis.call('HSET', posKey, tag, value)
    redis.call('ZADD', seenKey, ts, tag)
    current[tag] = {ts = ts, level = level, room = room}
    accepted[#accepted + 1] = value
  end
end

local ids = {}
for e = 1, nev do
  local n = tonumber(ARGV[i])
  ids[e] = redis.call('XADD', stream, '*', unpack(ARGV, i + 1, i + 2 * n))
  i = i + 1 + 2 * n
end
if nev > 0 then
  if maxlen > 0 then redis.call('XTRIM', stream, 'MAXLEN', '~', maxlen) end
  if maxage > 0 then
    local ms = tonumber(string.match(ids[nev], '^%d+'))
    if ms > maxage then
      redis.call('XTRIM', stream, 'MINID', '~', string.format('%.0f', ms - maxage))
    end
  end
  redis.call('PUBLISH', ARGV[4], ids[nev])
end
if #accepted > 0 then
  redis.call('PUBLISH', ARGV[3], '[' .. table.concat(accepted, ',') .. ']')
end
return ids
`)

// pageScript reads one page of a lex-ordered tag set and those tags'
// positions in one consistent step.
//
// KEYS: tag set, positions hash. ARGV: ZRANGEBYLEX min ("-" or "(" + tag), count.
// It returns {tags, positions}; a position is nil if missing.
var pageScript = redis.NewScript(`
local tags = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], '+', 'LIMIT', 0, tonumber(ARGV[2]))
if #tags == 0 then return {{}, {}} end
return {tags, redis.call('HMGET', KEYS[2], unpack(tags))}
`)

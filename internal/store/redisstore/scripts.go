package redisstore

import "github.com/redis/go-redis/v9"

// applyScript writes one store.Update atomically (a Lua script runs alone):
// positions with their placement, level, room, tag and last-seen sets,
// events appended to the stream with retention, and one PUBLISH of the
// positions and one of the newest event id. Reads and writes of the
// per-tag hashes and sets are batched into variadic commands.
//
// KEYS: positions hash, placements hash, tags set, seen set, event stream.
// ARGV: level set prefix, room set prefix, position channel, event channel,
// #positions, #events, max stream length (0 = none), max age ms (0 = none);
// then per position: tag, level, room, ts, encoded position; then per
// event: n, then n field names and values.
//
// A placement is "ts\xffLevel\xffroom": 0xFF never occurs in UTF-8, and the
// script learns a tag's previous level and room without decoding JSON.
// The level and room sets are named from the prefixes, not passed as KEYS:
// the old room is only known inside the script. They share the site's hash
// tag, so on Redis Cluster they live in the same slot as the declared keys.
var applyScript = redis.NewScript(`
local posKey, whereKey, tagsKey, seenKey, stream = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local levelPrefix, roomPrefix = ARGV[1], ARGV[2]
local npos, nev = tonumber(ARGV[5]), tonumber(ARGV[6])
local maxlen, maxage = tonumber(ARGV[7]), tonumber(ARGV[8])
local SEP, CHUNK = '\255', 1000

-- batched runs cmd key args... in chunks of CHUNK (even) arguments and
-- returns the concatenated replies of commands that return arrays.
local function batched(cmd, key, args)
  local out = {}
  for s = 1, #args, CHUNK do
    local r = redis.call(cmd, key, unpack(args, s, math.min(s + CHUNK - 1, #args)))
    if type(r) == 'table' then
      for _, v in ipairs(r) do out[#out + 1] = v end
    end
  end
  return out
end

-- placement returns ts, level, room of a stored placement.
local function placement(w)
  local a = string.find(w, SEP, 1, true)
  local b = a and string.find(w, SEP, a + 1, true)
  if not b then return -1, '', '' end
  return tonumber(string.sub(w, 1, a - 1)) or -1, string.sub(w, a + 1, b - 1), string.sub(w, b + 1)
end

local function move(prefix, from, to, tag)
  if from == to then return end
  if from ~= '' then redis.call('ZREM', prefix .. from, tag) end
  if to ~= '' then redis.call('ZADD', prefix .. to, 0, tag) end
end

local tags = {}
for k = 1, npos do tags[k] = ARGV[9 + 5 * (k - 1)] end
local stored = batched('HMGET', whereKey, tags)

-- Placements written earlier in this update, for tags that repeat in it.
local curTS, curLevel, curRoom = {}, {}, {}
local accepted, hpos, hwhere, zseen, znew = {}, {}, {}, {}, {}
for k = 1, npos do
  local i = 9 + 5 * (k - 1)
  local tag, level, room, tsArg, value = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local ts = tonumber(tsArg)
  local known, oldTS, oldLevel, oldRoom = true, curTS[tag], curLevel[tag], curRoom[tag]
  if oldTS == nil then
    if stored[k] then
      oldTS, oldLevel, oldRoom = placement(stored[k])
    else
      known, oldTS, oldLevel, oldRoom = false, -1, '', ''
    end
  end
  if oldTS <= ts then
    if not known then
      znew[#znew + 1] = 0
      znew[#znew + 1] = tag
    end
    move(levelPrefix, oldLevel, level, tag)
    move(roomPrefix, oldRoom, room, tag)
    local n = #hpos
    hpos[n + 1], hpos[n + 2] = tag, value
    hwhere[n + 1], hwhere[n + 2] = tag, tsArg .. SEP .. level .. SEP .. room
    zseen[n + 1], zseen[n + 2] = tsArg, tag
    curTS[tag], curLevel[tag], curRoom[tag] = ts, level, room
    accepted[#accepted + 1] = value
  end
end
batched('HSET', posKey, hpos)
batched('HSET', whereKey, hwhere)
batched('ZADD', seenKey, zseen)
batched('ZADD', tagsKey, znew)

local ids = {}
local i = 9 + 5 * npos
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

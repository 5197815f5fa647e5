package redisstore

import "github.com/redis/go-redis/v9"

// applyScript writes one store.Update atomically (a Lua script runs alone):
// positions with their placement, level, room, tag and last-seen sets,
// events appended to the stream with retention, geofence state parts,
// configuration changes, the update's Seq with its event ids, and one
// PUBLISH of the positions and one of the newest event id. Reads and writes
// of the per-tag hashes and sets are batched into variadic commands.
//
// KEYS: positions hash, placements hash, tags set, seen set, event stream,
// fence hash, seq string, applied list, fencing token string, ingest
// watermark string, then the configuration hashes by store.ConfigKinds.
// ARGV: level set prefix, room set prefix, position channel, event channel,
// #positions, #events, max stream length (0 = none), max age ms (0 = none),
// Seq (decimal, "0" = none), #applied kept, #fence parts, #config changes,
// fencing token (decimal, "0" = no check), watermark ms ("0" = none);
// then per position: tag, level and room as "level\xffroom" (the tail of
// its placement), ts, encoded position; per event: n, then n field names
// and values; per fence part: key, "p" (put) or "d" (delete), value; per
// config change: KEYS index, id, "p" or "d", value; then the trail
// section: visit key prefix, point key prefix, trail index key, visit due
// hash key, trail max age ms (0 = none), #visits, #points; per visit: tag,
// enter, newest of enter and exit, encoded visit; per point: tag, ts,
// encoded point (trail.go); then the analytics section (analytics.go):
// bucket key prefix, bucket index key, tag index key, max age ms (0 =
// none), newest hour of the update, #buckets; per bucket: name, hour,
// #fields, then per field: name, #items, then per item a counter and the
// value to add (a field ending in "c"), a tag hash ("t", "u") or the key
// moved to and a tag hash ("m"). Trails older than the max age (before the
// newest time of the update) are trimmed for the tags written, and up to 32
// tags with nothing written since are dropped whole.
// Last, when the update has status changes, the status history key prefix,
// its counter hash and the changes kept per tag, and per change: tag, JSON
// (status.go).
//
// A fencing token other than "0" that is not the stored one (a newer
// owner was granted the site's lease) writes nothing and returns
// {"fenced"}; {"nofence"} when none is stored (the site's keys were lost). The watermark is stored when above the stored one.
//
// It returns {"ok", prev, ids...}, prev the id of the stream's newest entry
// before the update's events ("0-0" when none, "" when the update has no
// events); for a Seq at or below the stored one it writes
// nothing and returns {"dup", ids...} with the ids of that update, or
// {"stale"} when it is no longer in the applied list. Seqs are compared as
// decimal strings: Lua numbers cannot hold every uint64.
//
// A placement is "ts\xffLevel\xffroom": 0xFF never occurs in UTF-8, and the
// script learns a tag's previous level and room without decoding JSON.
// The level and room sets are named from the prefixes, not passed as KEYS:
// the old room is only known inside the script. They share the site's hash
// tag, so on Redis Cluster they live in the same slot as the declared keys.
var applyScript = redis.NewScript(`
local posKey, whereKey, tagsKey, seenKey, stream = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local fenceKey, seqKey, appliedKey = KEYS[6], KEYS[7], KEYS[8]
local levelPrefix, roomPrefix = ARGV[1], ARGV[2]
local npos, nev = tonumber(ARGV[5]), tonumber(ARGV[6])
local maxlen, maxage = tonumber(ARGV[7]), tonumber(ARGV[8])
local seq, history = ARGV[9], tonumber(ARGV[10])
local nfence, ncfg = tonumber(ARGV[11]), tonumber(ARGV[12])
local fencingKey, wmKey, token, wm = KEYS[9], KEYS[10], ARGV[13], ARGV[14]
local FIRST, SEP, CHUNK = 15, '\255', 1000

if token ~= '0' then
  local cur = redis.call('GET', fencingKey)
  if not cur then return {'nofence'} end
  if cur ~= token then return {'fenced'} end
end

-- seqAtMost reports a <= b for decimal strings without leading zeros.
local function seqAtMost(a, b)
  if #a ~= #b then return #a < #b end
  return a <= b
end

-- replay returns the answer to a retried update.
local function replay()
  for _, entry in ipairs(redis.call('LRANGE', appliedKey, 0, -1)) do
    local sp = string.find(entry, ' ', 1, true)
    if (sp and string.sub(entry, 1, sp - 1) or entry) == seq then
      local out = {'dup'}
      if sp then
        for id in string.gmatch(string.sub(entry, sp + 1), '%S+') do out[#out + 1] = id end
      end
      return out
    end
  end
  return {'stale'}
end

if seq ~= '0' then
  local last = redis.call('GET', seqKey)
  if last and seqAtMost(seq, last) then return replay() end
end

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

-- tailOf returns the tail "level\255room" of a stored placement, and its
-- ts; SEP (level and room '') and -1 when it is malformed.
local function tailOf(w)
  local a = string.find(w, SEP, 1, true)
  if not a then return SEP, -1 end
  local tail = string.sub(w, a + 1)
  if not string.find(tail, SEP, 1, true) then return SEP, -1 end
  return tail, tonumber(string.sub(w, 1, a - 1)) or -1
end

-- split returns the level and room of a tail.
local function split(tail)
  local a = string.find(tail, SEP, 1, true)
  return string.sub(tail, 1, a - 1), string.sub(tail, a + 1)
end

local function move(prefix, from, to, tag)
  if from == to then return end
  if from ~= '' then redis.call('ZREM', prefix .. from, tag) end
  if to ~= '' then redis.call('ZADD', prefix .. to, 0, tag) end
end

local tags = {}
for k = 1, npos do tags[k] = ARGV[FIRST + 4 * (k - 1)] end
local stored = batched('HMGET', whereKey, tags)

-- last holds, for the tags of positions accepted in this update, the
-- index of the latest: a tag that repeats in it compares with that one.
-- The level and room sets change only when the tail does. published is
-- the JSON array of the accepted positions in pieces, a ',' after each:
-- one concatenation makes it (Lua hashes every string it makes, whole).
local last = {}
local published, hpos, hwhere, zseen, znew = {'['}, {}, {}, {}, {}
for k = 1, npos do
  local i = FIRST + 4 * (k - 1)
  local tag, tail, tsArg, value = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local ts = tonumber(tsArg)
  local known, oldTail, oldTS, prev = true, SEP, -1, last[tag]
  if prev then
    local j = FIRST + 4 * (prev - 1)
    oldTail, oldTS = ARGV[j + 1], tonumber(ARGV[j + 2])
  elseif stored[k] then
    oldTail, oldTS = tailOf(stored[k])
  else
    known = false
  end
  if oldTS <= ts then
    if not known then
      znew[#znew + 1] = 0
      znew[#znew + 1] = tag
    end
    if oldTail ~= tail then
      local oldLevel, oldRoom = split(oldTail)
      local level, room = split(tail)
      move(levelPrefix, oldLevel, level, tag)
      move(roomPrefix, oldRoom, room, tag)
    end
    local n = #hpos
    hpos[n + 1], hpos[n + 2] = tag, value
    hwhere[n + 1], hwhere[n + 2] = tag, tsArg .. SEP .. tail
    zseen[n + 1], zseen[n + 2] = tsArg, tag
    last[tag] = k
    n = #published
    published[n + 1], published[n + 2] = value, ','
  end
end
batched('HSET', posKey, hpos)
batched('HSET', whereKey, hwhere)
batched('ZADD', seenKey, zseen)
batched('ZADD', tagsKey, znew)

local ids = {}
local i = FIRST + 4 * npos
-- prev: the stream's newest entry before this update's (redisstore.recent)
local prev = ''
if nev > 0 then
  local newest = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
  prev = newest[1] and newest[1][1] or '0-0'
end
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
end

local hfence, dfence = {}, {}
for f = 1, nfence do
  if ARGV[i + 1] == 'p' then
    local n = #hfence
    hfence[n + 1], hfence[n + 2] = ARGV[i], ARGV[i + 2]
  else
    dfence[#dfence + 1] = ARGV[i]
  end
  i = i + 3
end
batched('HSET', fenceKey, hfence)
batched('HDEL', fenceKey, dfence)

for c = 1, ncfg do
  local key = KEYS[tonumber(ARGV[i])]
  if ARGV[i + 2] == 'p' then
    redis.call('HSET', key, ARGV[i + 1], ARGV[i + 3])
  else
    redis.call('HDEL', key, ARGV[i + 1])
  end
  i = i + 4
end

-- Trails: a visit replaces the one with its entry time; a point is
-- appended to its tag's stream (an id not after the newest fails and is
-- dropped); the index holds each tag's newest trail time. With a max age,
-- the cut (the update's newest trail time less the max age) is known
-- before writing: an append trims its stream to it (XADD MINID, the same
-- as XTRIM after it); the streams of the tags with a visit or a refused
-- append get an XTRIM as well.
local tvPrefix, tpPrefix, tIndex, tDue = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
local maxTrail, nvis, npts = tonumber(ARGV[i + 4]), tonumber(ARGV[i + 5]), tonumber(ARGV[i + 6])
i = i + 7
local trailNow, pointsAt = 0, i + 4 * nvis
for v = i + 2, pointsAt - 1, 4 do trailNow = math.max(trailNow, tonumber(ARGV[v])) end
for p = pointsAt + 1, pointsAt + 3 * npts - 1, 3 do trailNow = math.max(trailNow, tonumber(ARGV[p])) end
local cutoff, cut = 0, nil
if maxTrail > 0 and trailNow > maxTrail then
  cutoff = trailNow - maxTrail
  cut = string.format('%.0f', cutoff)
end
-- newest holds each tag's newest trail time as the index of its argument
-- (a decimal integer, the index score); retrim the tags with visits
-- written or an append refused and none accepted after (whose points no
-- append may have trimmed; an XTRIM after one that did removes nothing),
-- visited those with visits written.
local newest, retrim, visited = {}, {}, {}
local function note(tag, at)
  local cur = newest[tag]
  if cur == nil or tonumber(ARGV[cur]) < tonumber(ARGV[at]) then newest[tag] = at end
end
for v = 1, nvis do
  local tag, enter = ARGV[i], ARGV[i + 1]
  local key = tvPrefix .. tag
  redis.call('ZREMRANGEBYSCORE', key, enter, enter)
  redis.call('ZADD', key, enter, ARGV[i + 3])
  note(tag, i + 2)
  visited[tag], retrim[tag] = true, true
  i = i + 4
end
for p = 1, npts do
  local tag, id = ARGV[i], ARGV[i + 1] .. '-1'
  if cut then
    if type(redis.pcall('XADD', tpPrefix .. tag, 'MINID', cut, id, 'p', ARGV[i + 2])) ~= 'string' then
      retrim[tag] = true
    elseif retrim[tag] then
      retrim[tag] = nil
    end
  else
    redis.pcall('XADD', tpPrefix .. tag, id, 'p', ARGV[i + 2])
  end
  note(tag, i + 1)
  i = i + 3
end
local zindex = {}
for tag, at in pairs(newest) do
  zindex[#zindex + 1] = ARGV[at]
  zindex[#zindex + 1] = tag
end
for s = 1, #zindex, CHUNK do
  redis.call('ZADD', tIndex, 'GT', unpack(zindex, s, math.min(s + CHUNK - 1, #zindex)))
end
-- trimVisits drops the visits of a trail that ended before cutoff: a prefix,
-- as a tag's visits are disjoint; never an open one. The newest two
-- entered before the cut tell: the newest stays if open or not ended
-- before cutoff, any older one goes (entry times are distinct).
local VISIT = '^(%d+)' .. SEP .. '(%d+)'
local function trimVisits(key, cutoff, below)
  local r = redis.call('ZRANGE', key, below, '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, 2)
  if #r == 0 then return end
  local enter, exit = string.match(r[1], VISIT)
  if tonumber(exit) == 0 or tonumber(exit) >= cutoff then
    if #r == 2 then redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. enter) end
  else
    redis.call('ZREMRANGEBYSCORE', key, '-inf', below)
  end
end
-- visitsDue returns the time a cutoff must pass for trimVisits to drop
-- something of the visits in key: the entry of the second, or the end of
-- the first if it is closed; "inf" when neither.
local function visitsDue(key)
  local r = redis.call('ZRANGE', key, 0, 1)
  local due = math.huge
  if r[1] then
    local enter, exit = string.match(r[1], VISIT)
    if tonumber(exit) ~= 0 then due = math.max(tonumber(enter), tonumber(exit)) end
  end
  if r[2] then due = math.min(due, tonumber(string.match(r[2], '^%d+'))) end
  if due == math.huge then return 'inf' end
  return string.format('%.0f', due)
end
-- The due hash keeps visitsDue of the tags' visits, so only the tags whose
-- due time has passed, whose visits this update wrote or that have none
-- stored (unknown) are trimmed: trimVisits of any other is a no-op. Visits
-- written without trimming make their tags' due times unknown.
if cut then
  local below, tags, redo, hdue = '(' .. cut, {}, {}, {}
  for tag, _ in pairs(newest) do tags[#tags + 1] = tag end
  local dues = batched('HMGET', tDue, tags)
  for k, tag in ipairs(tags) do
    if retrim[tag] then redis.call('XTRIM', tpPrefix .. tag, 'MINID', cut) end
    local due = dues[k]
    if visited[tag] or not due or (due ~= 'inf' and tonumber(due) < cutoff) then
      local key = tvPrefix .. tag
      trimVisits(key, cutoff, below)
      hdue[#hdue + 1], hdue[#hdue + 2] = tag, visitsDue(key)
    end
  end
  batched('HSET', tDue, hdue)
  for _, tag in ipairs(redis.call('ZRANGEBYSCORE', tIndex, '-inf', below, 'LIMIT', 0, 32)) do
    redis.call('DEL', tvPrefix .. tag, tpPrefix .. tag)
    redis.call('ZREM', tIndex, tag)
    redis.call('HDEL', tDue, tag)
  end
else
  local unknown = {}
  for tag, _ in pairs(visited) do unknown[#unknown + 1] = tag end
  batched('HDEL', tDue, unknown)
end

-- Analytics (analytics/pack.go): per bucket, per field, the ops of one
-- part of a row. Counters ('c') are (counter, value) varint pairs by
-- counter; tag sets ('t', 'u') 4-byte tag numbers, each once; moves ('m')
-- one entry per move: the length of the key moved to as a varint, the key,
-- the tag number. Tags are numbered in the tag index as first seen. The
-- hours index holds each bucket's hour, and buckets older than the
-- retention before the newest hour are dropped (64 at a time) and never
-- written.
local aggPrefix, aggIndex, aggTags = ARGV[i], ARGV[i + 1], ARGV[i + 2]
local maxAgg, aggNewest, nbk = tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4]), tonumber(ARGV[i + 5])
i = i + 6
local aggCut = nil
if maxAgg > 0 and nbk > 0 then
  local top = redis.call('ZRANGE', aggIndex, -1, -1, 'WITHSCORES')
  if top[2] and tonumber(top[2]) > aggNewest then aggNewest = tonumber(top[2]) end
  aggCut = aggNewest - maxAgg
end

local function uvarint(s, p)
  local v, mul = 0, 1
  while true do
    local b = string.byte(s, p)
    p = p + 1
    if b < 128 then return v + b * mul, p end
    v, mul = v + (b - 128) * mul, mul * 128
  end
end

local function putUvarint(out, v)
  while v >= 128 do
    out[#out + 1] = string.char(v % 128 + 128)
    v = math.floor(v / 128)
  end
  out[#out + 1] = string.char(v)
end

local tagNos = {}
local function tagNo(h)
  local n = tagNos[h]
  if n then return n end
  local v = redis.call('HGET', aggTags, h)
  if v then
    v = tonumber(v)
  else
    v = redis.call('HLEN', aggTags)
    redis.call('HSET', aggTags, h, v)
  end
  n = string.char(math.floor(v / 16777216) % 256, math.floor(v / 65536) % 256, math.floor(v / 256) % 256, v % 256)
  tagNos[h] = n
  return n
end

local function hasMember(s, m)
  local from = 1
  while true do
    local p = string.find(s, m, from, true)
    if not p then return false end
    if p % 4 == 1 then return true end
    from = p + 1
  end
end

local function addCounters(v, j, nit)
  local cs, p = {}, 1
  while p <= #v do
    local c, x
    c, p = uvarint(v, p)
    x, p = uvarint(v, p)
    cs[c] = x
  end
  for k = 0, nit - 1 do
    local c = tonumber(ARGV[j + 2 * k])
    cs[c] = (cs[c] or 0) + tonumber(ARGV[j + 2 * k + 1])
  end
  local ids, out = {}, {}
  for c, _ in pairs(cs) do ids[#ids + 1] = c end
  table.sort(ids)
  for _, c in ipairs(ids) do
    putUvarint(out, c)
    putUvarint(out, cs[c])
  end
  return table.concat(out)
end

for b = 1, nbk do
  local name, hourArg, nf = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local key, live = aggPrefix .. name, aggCut == nil or tonumber(hourArg) >= aggCut
  i = i + 3
  local names, starts = {}, {}
  for f = 1, nf do
    local part, nit = string.sub(ARGV[i], -1), tonumber(ARGV[i + 1])
    names[f], starts[f] = ARGV[i], i + 2
    i = i + 2 + nit * ((part == 't' or part == 'u') and 1 or 2)
  end
  if live and nf > 0 then
    local olds, sets = batched('HMGET', key, names), {}
    for f = 1, nf do
      local part, j = string.sub(names[f], -1), starts[f]
      local nit, v = tonumber(ARGV[j - 1]), olds[f] or ''
      if part == 'c' then
        v = addCounters(v, j, nit)
      elseif part == 'm' then
        local out = {v}
        for k = 0, nit - 1 do
          local to = ARGV[j + 2 * k]
          putUvarint(out, #to)
          out[#out + 1] = to
          out[#out + 1] = tagNo(ARGV[j + 2 * k + 1])
        end
        v = table.concat(out)
      else
        for k = 0, nit - 1 do
          local m = tagNo(ARGV[j + k])
          if not hasMember(v, m) then v = v .. m end
        end
      end
      sets[#sets + 1], sets[#sets + 2] = names[f], v
    end
    batched('HSET', key, sets)
    redis.call('ZADD', aggIndex, hourArg, name)
  end
end
if aggCut then
  local cut = '(' .. string.format('%.0f', aggCut)
  for _, name in ipairs(redis.call('ZRANGEBYSCORE', aggIndex, '-inf', cut, 'LIMIT', 0, 64)) do
    redis.call('DEL', aggPrefix .. name)
    redis.call('ZREM', aggIndex, name)
  end
end

if i <= #ARGV then
  local statusPrefix, statusSeq, keep = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  for k = i + 3, #ARGV, 2 do
    local key, n = statusPrefix .. ARGV[k], redis.call('HINCRBY', statusSeq, ARGV[k], 1)
    redis.call('ZADD', key, n, n .. ' ' .. ARGV[k + 1])
    if n > keep then redis.call('ZREMRANGEBYSCORE', key, '-inf', n - keep) end
  end
end

if seq ~= '0' then
  redis.call('SET', seqKey, seq)
  local entry = seq
  if nev > 0 then entry = seq .. ' ' .. table.concat(ids, ' ') end
  redis.call('LPUSH', appliedKey, entry)
  redis.call('LTRIM', appliedKey, 0, history - 1)
end
if wm ~= '0' and tonumber(wm) > tonumber(redis.call('GET', wmKey) or '0') then
  redis.call('SET', wmKey, wm)
end
if nev > 0 then redis.call('PUBLISH', ARGV[4], ids[nev]) end
if #published > 1 then
  published[#published] = ']'
  redis.call('PUBLISH', ARGV[3], table.concat(published))
end
local out = {'ok', prev}
for e = 1, nev do out[e + 2] = ids[e] end
return out
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

package redisstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/jsonl"
	"github.com/hospitalrtls/rtls/store"
	"github.com/redis/go-redis/v9"
)

// referencePositions is the positions section of applyScript before a
// position's level and room came as its placement's tail (commit 95a8cd6).
// KEYS: positions hash, placements hash, tags set, seen set. ARGV: level
// set prefix, room set prefix, #positions, then per position: tag, level,
// room, ts, encoded position.
var referencePositions = redis.NewScript(`
local posKey, whereKey, tagsKey, seenKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local levelPrefix, roomPrefix, npos = ARGV[1], ARGV[2], tonumber(ARGV[3])
local FIRST, SEP, CHUNK = 4, '\255', 1000
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
for k = 1, npos do tags[k] = ARGV[FIRST + 5 * (k - 1)] end
local stored = batched('HMGET', whereKey, tags)

-- Placements written earlier in this update, for tags that repeat in it.
local curTS, curLevel, curRoom = {}, {}, {}
local accepted, hpos, hwhere, zseen, znew = {}, {}, {}, {}, {}
for k = 1, npos do
  local i = FIRST + 5 * (k - 1)
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
return 0
`)

// TestPositionsMatchReference applies random position updates (tags
// repeating in an update, late positions, level and room changes, no room,
// malformed stored placements) with the store and, on a second site, with
// referencePositions, and compares the keys the positions write after
// each update.
func TestPositionsMatchReference(t *testing.T) {
	t.Parallel() // its own redis-server
	const tags, levels, rooms = 20, 3, 6
	srv := redistest.StartServer(t)
	s := open(t, Options{URL: srv.URL(), Site: nextSite()})
	ref := open(t, Options{URL: srv.URL(), Site: nextSite()})
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(9, 9))
	now := int64(1_000_000)
	for step := range 300 {
		now += 1000
		var u store.Update
		for range 1 + rng.IntN(30) {
			k := rng.IntN(tags)
			room := fmt.Sprintf("L%d-R%d", k%levels, rng.IntN(rooms))
			if rng.IntN(8) == 0 {
				room = ""
			}
			u.Positions = append(u.Positions, location.Position{Tag: fmt.Sprintf("T%02d", k), TS: now - rng.Int64N(3000),
				Level: fmt.Sprintf("L%d", rng.IntN(levels)), Room: room, X: float64(step), Y: 1})
		}
		if step%25 == 10 { // a malformed placement on both sites
			tag := fmt.Sprintf("T%02d", rng.IntN(tags))
			bad := []string{"junk", "12" + sep + "L1", "x" + sep + "L1" + sep + "R"}[rng.IntN(3)]
			for _, st := range []*Store{s, ref} {
				if err := st.rdb.HSet(ctx, st.keys.placements, tag, bad).Err(); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := s.Apply(ctx, u); err != nil {
			t.Fatal(err)
		}
		args := []any{ref.keys.levelPrefix, ref.keys.roomPrefix, len(u.Positions)}
		for _, p := range u.Positions {
			args = append(args, p.Tag, p.Level, p.Room, p.TS, jsonl.AppendPosition(nil, p))
		}
		keys := []string{ref.keys.positions, ref.keys.placements, ref.keys.tags, ref.keys.seen}
		if err := referencePositions.Run(ctx, ref.rdb, keys, args...).Err(); err != nil {
			t.Fatal(err)
		}
		got, want := positionKeys(t, s, levels, rooms), positionKeys(t, ref, levels, rooms)
		if got != want {
			t.Fatalf("step %d: position keys differ from the reference:\n got %s\nwant %s", step, got, want)
		}
	}
}

// positionKeys renders the keys positions write: positions, placements,
// tags, last seen, the level and room sets.
func positionKeys(t *testing.T, s *Store, levels, rooms int) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, key := range []string{s.keys.positions, s.keys.placements} {
		m, err := s.rdb.HGetAll(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%v\n", m)
	}
	sets := []string{s.keys.tags, s.keys.seen}
	for l := range levels {
		sets = append(sets, s.keys.level("L"+strconv.Itoa(l)))
		for r := range rooms {
			sets = append(sets, s.keys.room(fmt.Sprintf("L%d-R%d", l, r)))
		}
	}
	for _, key := range sets {
		z, err := s.rdb.ZRangeWithScores(ctx, key, 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%v\n", z)
	}
	return b.String()
}

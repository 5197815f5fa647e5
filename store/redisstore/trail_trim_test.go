package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
	"github.com/redis/go-redis/v9"
)

// referenceTrail is the trail section of applyScript before appends
// trimmed their streams and the due hash spared the visit checks (commit
// 95a8cd6): every tag written got an XTRIM and a visit check of its own.
const referenceTrail = `
-- Trails: a visit replaces the one with its entry time; a point is
-- appended to its tag's stream (an id not after the newest fails and is
-- dropped); the index holds each tag's newest trail time.
local tvPrefix, tpPrefix, tIndex = ARGV[i], ARGV[i + 1], ARGV[i + 2]
local maxTrail, nvis, npts = tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4]), tonumber(ARGV[i + 5])
i = i + 6
local newest, trailNow = {}, 0
local function note(tag, ts)
  if (newest[tag] or -1) < ts then newest[tag] = ts end
  if ts > trailNow then trailNow = ts end
end
for v = 1, nvis do
  local key, enter = tvPrefix .. ARGV[i], ARGV[i + 1]
  redis.call('ZREMRANGEBYSCORE', key, enter, enter)
  redis.call('ZADD', key, enter, ARGV[i + 3])
  note(ARGV[i], tonumber(ARGV[i + 2]))
  i = i + 4
end
for p = 1, npts do
  redis.pcall('XADD', tpPrefix .. ARGV[i], ARGV[i + 1] .. '-1', 'p', ARGV[i + 2])
  note(ARGV[i], tonumber(ARGV[i + 1]))
  i = i + 3
end
for tag, ts in pairs(newest) do
  redis.call('ZADD', tIndex, 'GT', string.format('%.0f', ts), tag)
end
-- trimVisits drops the visits of a trail that ended before cutoff: a prefix,
-- as a tag's visits are disjoint; never an open one.
local function trimVisits(key, cutoff, cut)
  local n = redis.call('ZCOUNT', key, '-inf', '(' .. cut)
  if n == 0 then return end
  local last = redis.call('ZRANGE', key, n - 1, n - 1)[1]
  local exit = tonumber(string.match(last, '^%d+' .. SEP .. '(%d+)'))
  if exit == 0 or exit >= cutoff then n = n - 1 end
  if n > 0 then redis.call('ZREMRANGEBYRANK', key, 0, n - 1) end
end
if maxTrail > 0 and trailNow > maxTrail then
  local cutoff = trailNow - maxTrail
  local cut = string.format('%.0f', cutoff)
  for tag, _ in pairs(newest) do
    redis.call('XTRIM', tpPrefix .. tag, 'MINID', cut)
    trimVisits(tvPrefix .. tag, cutoff, cut)
  end
  for _, tag in ipairs(redis.call('ZRANGEBYSCORE', tIndex, '-inf', '(' .. cut, 'LIMIT', 0, 32)) do
    redis.call('DEL', tvPrefix .. tag, tpPrefix .. tag)
    redis.call('ZREM', tIndex, tag)
  end
end

`

// TestTrailTrimMatchesReference applies random trail updates (points late
// or repeated, visits opened, closed and rewritten, updates without
// trimming, tags going idle) with the store and, on a second site, with
// referenceTrail, and compares every trail key of the two after each
// update: the visits, the points with their streams' last id and
// counters, the index; and checks the due hash (checkDue).
func TestTrailTrimMatchesReference(t *testing.T) {
	t.Parallel() // its own redis-server
	const maxAge, tags = 20_000, 24
	srv := redistest.StartServer(t)
	s := open(t, Options{URL: srv.URL(), Site: nextSite(), TrailMaxAge: maxAge * time.Millisecond})
	ref := open(t, Options{URL: srv.URL(), Site: nextSite(), TrailMaxAge: maxAge * time.Millisecond})
	refScript := redis.NewScript("local i, SEP, CHUNK = 1, '\\255', 1000\n" + referenceTrail + "\nreturn 0")
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 7))
	enter := map[string]int64{} // each tag's open visit
	var now int64               // the first updates are younger than the max age: no trimming
	for step := range 150 {     // some 225 s of event time: the max age passed many times
		now += rng.Int64N(3000)
		var u store.Update
		for k := range tags {
			tag := fmt.Sprintf("T%02d", k)
			if rng.IntN(3) == 0 || (k < 4 && step > 60) { // the first four go idle
				continue
			}
			room := fmt.Sprintf("R%d", rng.IntN(5))
			switch e, ok := enter[tag]; {
			case !ok || rng.IntN(6) == 0: // a room change, rarely with the close lost
				if ok && rng.IntN(8) != 0 {
					u.Visits = append(u.Visits, geofence.Visit{Tag: tag, Level: "L0", Room: "R", Enter: e, Exit: now})
				}
				enter[tag] = now
				u.Visits = append(u.Visits, geofence.Visit{Tag: tag, Level: "L0", Room: room, Enter: now})
			case rng.IntN(10) == 0: // the open visit written again
				u.Visits = append(u.Visits, geofence.Visit{Tag: tag, Level: "L0", Room: "R", Enter: e})
			}
			ts := now
			switch rng.IntN(8) {
			case 0: // late: refused if not after the tag's newest
				ts = max(0, now-rng.Int64N(2*maxAge))
			case 1: // no point
				continue
			}
			u.Trail = append(u.Trail, location.Position{Tag: tag, TS: ts, Level: "L0", Room: room, X: 1, Y: float64(step)})
		}
		if step%40 == 20 { // an old visit alone: written without trimming
			u = store.Update{Visits: []geofence.Visit{{Tag: "T05", Level: "L0", Room: "R", Enter: int64(step), Exit: int64(step) + 1}}}
		}
		if _, err := s.Apply(ctx, u); err != nil {
			t.Fatal(err)
		}
		args := ref.appendTrailArgs(nil, u)
		args = append(args[:3], args[4:]...) // the reference has no due hash
		if err := refScript.Run(ctx, ref.rdb, []string{ref.keys.trailIndex}, args...).Err(); err != nil {
			t.Fatal(err)
		}
		got, want := trailKeys(t, s, tags), trailKeys(t, ref, tags)
		if got != want {
			t.Fatalf("step %d: trail keys differ from the reference:\n got %s\nwant %s", step, got, want)
		}
		checkDue(t, s, step, tags)
	}
}

// trailKeys renders every trail key of tags T00... of s.
func trailKeys(t *testing.T, s *Store, tags int) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	index, err := s.rdb.ZRangeWithScores(ctx, s.keys.trailIndex, 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "index %v\n", index)
	for k := range tags {
		tag := fmt.Sprintf("T%02d", k)
		visits, err := s.rdb.ZRangeWithScores(ctx, s.keys.trailVisits+tag, 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		points, err := s.rdb.XRange(ctx, s.keys.trailPoints+tag, "-", "+").Result()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s visits %v points %v", tag, visits, points)
		if info, err := s.rdb.XInfoStream(ctx, s.keys.trailPoints+tag).Result(); err == nil {
			fmt.Fprintf(&b, " last %s added %d deleted %s first %s", info.LastGeneratedID, info.EntriesAdded,
				info.MaxDeletedEntryID, info.RecordedFirstEntryID)
		} else if !strings.Contains(err.Error(), "no such key") {
			t.Fatal(err)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// checkDue checks the due hash of s: a tag's entry, when there is one, is
// the due time of its visits (the entry of the second, or the end of the
// first if closed, "inf" when neither); a tag without a trail has none.
func checkDue(t *testing.T, s *Store, step, tags int) {
	t.Helper()
	ctx := context.Background()
	for k := range tags {
		tag := fmt.Sprintf("T%02d", k)
		got, err := s.rdb.HGet(ctx, s.keys.trailDue, tag).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := s.rdb.ZScore(ctx, s.keys.trailIndex, tag).Err(); errors.Is(err, redis.Nil) {
			t.Fatalf("step %d: %s has no trail but a due time %s", step, tag, got)
		}
		members, err := s.rdb.ZRange(ctx, s.keys.trailVisits+tag, 0, 1).Result()
		if err != nil {
			t.Fatal(err)
		}
		due := int64(math.MaxInt64)
		if len(members) > 0 {
			if v, err := decodeVisit(tag, members[0]); err != nil {
				t.Fatal(err)
			} else if !v.Open() {
				due = max(v.Enter, v.Exit)
			}
		}
		if len(members) > 1 {
			v, err := decodeVisit(tag, members[1])
			if err != nil {
				t.Fatal(err)
			}
			due = min(due, v.Enter)
		}
		want := "inf"
		if due != math.MaxInt64 {
			want = strconv.FormatInt(due, 10)
		}
		if got != want {
			t.Fatalf("step %d: %s due %s, want %s", step, tag, got, want)
		}
	}
}

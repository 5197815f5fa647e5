package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/cursor"
	"github.com/redis/go-redis/v9"
)

// Trail encodings, fields separated by 0xFF (never in UTF-8):
//
//	visit  (zset member) "<enter>\xff<exit>\xff<level>\xff<room>", exit 0 while open
//	point  (stream field p) "<level>\xff<x>\xff<y>\xff<room>", x and y in cm precision
//
// The entry time first keeps a tag's members distinct and lets the scripts
// read it without decoding.
const sep = "\xff"

// appendTrailArgs appends the trail section of applyScript's ARGV.
func (s *Store) appendTrailArgs(args []any, u store.Update) []any {
	args = append(args, s.keys.trailVisits, s.keys.trailPoints, s.keys.trailIndex, s.keys.trailDue,
		max(s.opts.TrailMaxAge.Milliseconds(), 0), len(u.Visits), len(u.Trail))
	for _, v := range u.Visits {
		args = append(args, v.Tag, v.Enter, max(v.Enter, v.Exit), encodeVisit(v))
	}
	for _, p := range u.Trail {
		args = append(args, p.Tag, p.TS, encodePoint(p))
	}
	return args
}

// encodeVisit returns the zset member of a visit.
func encodeVisit(v geofence.Visit) string {
	return strconv.FormatInt(v.Enter, 10) + sep + strconv.FormatInt(v.Exit, 10) + sep + v.Level + sep + v.Room
}

// encodePoint returns the stream value of a trail point.
func encodePoint(p location.Position) string {
	return p.Level + sep + strconv.FormatFloat(p.X, 'f', 2, 64) + sep +
		strconv.FormatFloat(p.Y, 'f', 2, 64) + sep + p.Room
}

// errBadTrail is a stored trail item the store cannot decode.
var errBadTrail = errors.New("redisstore: malformed trail item")

// decodeVisit parses a zset member of tag's visits.
func decodeVisit(tag, m string) (geofence.Visit, error) {
	f := strings.Split(m, sep)
	if len(f) != 4 {
		return geofence.Visit{}, errBadTrail
	}
	enter, err1 := strconv.ParseInt(f[0], 10, 64)
	exit, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil {
		return geofence.Visit{}, errBadTrail
	}
	return geofence.Visit{Tag: tag, Enter: enter, Exit: exit, Level: f[2], Room: f[3]}, nil
}

// decodePoint parses a stream entry of tag's points, as a script returns
// it: {id, {"p", value}}.
func decodePoint(tag string, e any) (location.Position, error) {
	var id, v string
	if pair, ok := e.([]any); ok && len(pair) == 2 {
		id, _ = pair[0].(string)
		if fv, ok := pair[1].([]any); ok && len(fv) == 2 {
			v, _ = fv[1].(string)
		}
	}
	ms, _, _ := strings.Cut(id, "-")
	ts, err := strconv.ParseInt(ms, 10, 64)
	f := strings.Split(v, sep)
	if err != nil || len(f) != 4 {
		return location.Position{}, errBadTrail
	}
	x, err1 := strconv.ParseFloat(f[1], 64)
	y, err2 := strconv.ParseFloat(f[2], 64)
	if err1 != nil || err2 != nil {
		return location.Position{}, errBadTrail
	}
	return location.Position{TS: ts, Tag: tag, Level: f[0], X: x, Y: y, Room: f[3]}, nil
}

// trailScript reads one page of a tag's trail in one consistent step.
//
// KEYS: visits zset, points stream. ARGV: from, to (ms, [from, to)), the
// entry time the page continues after ("" for the first page), page size.
// It returns {visits, points, more}: the visits overlapping the range after
// the token (the first page includes the visit begun before from and still
// running at from), the stream entries in the page's span, and 1 when
// another page follows.
var trailScript = redis.NewScript(`
local vkey, pkey = KEYS[1], KEYS[2]
local from, to, after, n = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local function enterOf(m) return tonumber(string.match(m, '^(%d+)')) end
local function fmt(x) return string.format('%.0f', x) end
local vs, rest = {}, nil
if after == '' then
  local prev = redis.call('ZREVRANGEBYSCORE', vkey, '(' .. fmt(from), '-inf', 'LIMIT', 0, 1)
  if #prev == 1 then
    local exit = tonumber(string.match(prev[1], '^%d+\255(%d+)'))
    if exit == 0 or exit > from then vs[1] = prev[1] end
  end
  rest = redis.call('ZRANGEBYSCORE', vkey, fmt(from), '(' .. fmt(to), 'LIMIT', 0, n + 1 - #vs)
else
  rest = redis.call('ZRANGEBYSCORE', vkey, '(' .. after, '(' .. fmt(to), 'LIMIT', 0, n + 1)
end
for _, m in ipairs(rest) do vs[#vs + 1] = m end
local lo, hi, more = from, to, 0
if #vs > n then
  hi, more = enterOf(vs[n + 1]), 1
  vs[n + 1] = nil
end
if after ~= '' and #vs > 0 then lo = enterOf(vs[1]) end
local pts = {}
if hi - 1 >= lo then pts = redis.call('XRANGE', pkey, fmt(lo), fmt(hi - 1)) end
return {vs, pts, more}
`)

// GetTrail returns one page of a tag's trail (see store.Store).
func (s *Store) GetTrail(ctx context.Context, q store.TrailQuery) (store.TrailPage, error) {
	if q.FromTS >= q.ToTS {
		return store.TrailPage{}, store.ErrBadRange
	}
	after := ""
	if q.PageToken != "" {
		enter, err := cursor.ParseTrailToken(q.Tag, q.PageToken)
		if err != nil {
			return store.TrailPage{}, err
		}
		after = strconv.FormatInt(enter, 10)
	}
	keys := []string{s.keys.trailVisits + q.Tag, s.keys.trailPoints + q.Tag}
	reply, err := trailScript.Run(ctx, s.rdb, keys, q.FromTS, q.ToTS, after, cursor.PageSize(q.PageSize)).Slice()
	if err != nil {
		return store.TrailPage{}, fmt.Errorf("redisstore: trail: %w", err)
	}
	page, err := parseTrailReply(q.Tag, reply)
	if err != nil {
		return store.TrailPage{}, err
	}
	if after == "" && len(page.Visits) == 0 && len(page.Points) == 0 {
		return store.TrailPage{}, store.ErrNotFound
	}
	return page, nil
}

// parseTrailReply decodes trailScript's reply.
func parseTrailReply(tag string, reply []any) (store.TrailPage, error) {
	var page store.TrailPage
	if len(reply) != 3 {
		return page, errBadTrail
	}
	members, _ := reply[0].([]any)
	for _, m := range members {
		ms, _ := m.(string)
		v, err := decodeVisit(tag, ms)
		if err != nil {
			return store.TrailPage{}, err
		}
		page.Visits = append(page.Visits, v)
	}
	entries, _ := reply[1].([]any)
	for _, e := range entries {
		p, err := decodePoint(tag, e)
		if err != nil {
			return store.TrailPage{}, err
		}
		page.Points = append(page.Points, p)
	}
	if more, _ := reply[2].(int64); more == 1 && len(page.Visits) > 0 {
		page.NextPageToken = cursor.TrailToken(tag, page.Visits[len(page.Visits)-1].Enter)
	}
	return page, nil
}

package redisstore

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/cursor"
	"github.com/redis/go-redis/v9"
)

// GetPosition returns the current position of tag, or store.ErrNotFound.
func (s *Store) GetPosition(ctx context.Context, tag string) (location.Position, error) {
	raw, err := s.rdb.HGet(ctx, s.keys.positions, tag).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return location.Position{}, store.ErrNotFound
	case err != nil:
		return location.Position{}, wrap("get position", err)
	}
	return decodePosition(raw)
}

// ListPositions pages through current positions in tag id order, filtered
// by level and room.
func (s *Store) ListPositions(ctx context.Context, q store.Query) (store.Page, error) {
	after := ""
	if q.PageToken != "" {
		var err error
		if after, err = cursor.ParseToken(cursor.Positions, q.PageToken); err != nil {
			return store.Page{}, err
		}
	}
	size := cursor.PageSize(q.PageSize)
	set := s.keys.tags
	switch {
	case q.Room != "":
		set = s.keys.room(q.Room)
	case q.Level != "":
		set = s.keys.level(q.Level)
	}
	// One more than a page tells whether another page follows. A room and a
	// level together read the room's set and keep that level's tags.
	out := make([]location.Position, 0, size+1)
	for len(out) <= size {
		want := size + 1 - len(out)
		tags, ps, err := s.page(ctx, set, after, want)
		if err != nil {
			return store.Page{}, err
		}
		for _, p := range ps {
			if q.Level == "" || p.Level == q.Level {
				out = append(out, p)
			}
		}
		if len(tags) < want {
			break
		}
		after = tags[len(tags)-1]
	}
	var page store.Page
	if len(out) > size {
		out = out[:size]
		page.NextPageToken = cursor.Token(cursor.Positions, out[size-1].Tag)
	}
	page.Positions = out
	return page, nil
}

// page returns up to n tags of set after the tag after ("" for the first)
// and the positions of those that have one.
func (s *Store) page(ctx context.Context, set, after string, n int) ([]string, []location.Position, error) {
	lexMin := "-"
	if after != "" {
		lexMin = "(" + after
	}
	res, err := pageScript.Run(ctx, s.rdb, []string{set, s.keys.positions}, lexMin, n).Slice()
	if err != nil {
		return nil, nil, wrap("list positions", err)
	}
	if len(res) != 2 {
		return nil, nil, fmt.Errorf("%w: page reply", errCorrupt)
	}
	tagVals, _ := res[0].([]any)
	posVals, _ := res[1].([]any)
	if len(tagVals) != len(posVals) {
		return nil, nil, fmt.Errorf("%w: page reply", errCorrupt)
	}
	tags := make([]string, 0, len(tagVals))
	ps := make([]location.Position, 0, len(posVals))
	for i, v := range tagVals {
		tag, _ := v.(string)
		tags = append(tags, tag)
		raw, ok := posVals[i].(string)
		if !ok {
			continue // a set member without a position: Apply never leaves one
		}
		p, err := decodePosition([]byte(raw))
		if err != nil {
			s.opts.Logger.Error("redisstore: skipping undecodable position", "set", set, "err", err)
			continue
		}
		ps = append(ps, p)
	}
	return tags, ps, nil
}

// getBatch is how many fields one HMGET of hmget asks for; the batches of
// a call go in one pipeline (one round trip).
const getBatch = 1000

// hmget returns the values of fields in the hash key, in the order of
// fields (nil where a field is absent), with HMGETs of getBatch fields in
// one pipeline. what names the caller in errors.
func (s *Store) hmget(ctx context.Context, what, key string, fields []string) ([]any, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, 0, (len(fields)+getBatch-1)/getBatch)
	for chunk := range slices.Chunk(fields, getBatch) {
		cmds = append(cmds, pipe.HMGet(ctx, key, chunk...))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("redisstore: %s: %w", what, err)
	}
	vals := make([]any, 0, len(fields))
	for _, c := range cmds {
		vals = append(vals, c.Val()...)
	}
	return vals, nil
}

// GetPositions returns the current positions of those of tags that have
// one, in the order of tags.
func (s *Store) GetPositions(ctx context.Context, tags []string) ([]location.Position, error) {
	if len(tags) == 0 {
		return nil, nil
	}
	vals, err := s.hmget(ctx, "get positions", s.keys.positions, tags)
	if err != nil {
		return nil, err
	}
	out := make([]location.Position, 0, len(tags))
	for _, v := range vals {
		raw, ok := v.(string)
		if !ok {
			continue // no position
		}
		p, err := decodePosition([]byte(raw))
		if err != nil {
			s.opts.Logger.Error("redisstore: skipping undecodable position", "err", err)
			continue
		}
		out = append(out, p)
	}
	return out, nil
}

package redisstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hospitalrtls/rtls/store"
	"github.com/redis/go-redis/v9"
)

// GetRooms returns the level and room of the current positions of those
// of tags that have one, in the order of tags, from the placements the
// Apply script keeps ("ts\xffLevel\xffroom"): no position is decoded.
func (s *Store) GetRooms(ctx context.Context, tags []string) ([]store.TagRoom, error) {
	if len(tags) == 0 {
		return nil, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, 0, (len(tags)+getBatch-1)/getBatch)
	for chunk := range slices.Chunk(tags, getBatch) {
		cmds = append(cmds, pipe.HMGet(ctx, s.keys.placements, chunk...))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("redisstore: get rooms: %w", err)
	}
	out := make([]store.TagRoom, 0, len(tags))
	k := 0
	for _, c := range cmds {
		for _, v := range c.Val() {
			tag := tags[k]
			k++
			w, ok := v.(string)
			if !ok {
				continue // no position
			}
			_, rest, ok1 := strings.Cut(w, sep)
			level, room, ok2 := strings.Cut(rest, sep)
			if !ok1 || !ok2 {
				s.opts.Logger.Error("redisstore: skipping a malformed placement")
				continue
			}
			out = append(out, store.TagRoom{Tag: tag, Level: level, Room: room})
		}
	}
	return out, nil
}

package redisstore

import (
	"context"
	"strings"

	"github.com/hospitalrtls/rtls/store"
)

// GetRooms returns the level and room of the current positions of those
// of tags that have one, in the order of tags, from the placements the
// Apply script keeps ("ts\xffLevel\xffroom"): no position is decoded.
func (s *Store) GetRooms(ctx context.Context, tags []string) ([]store.TagRoom, error) {
	if len(tags) == 0 {
		return nil, nil
	}
	vals, err := s.hmget(ctx, "get rooms", s.keys.placements, tags)
	if err != nil {
		return nil, err
	}
	out := make([]store.TagRoom, 0, len(tags))
	for k, v := range vals {
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
		out = append(out, store.TagRoom{Tag: tags[k], Level: level, Room: room})
	}
	return out, nil
}

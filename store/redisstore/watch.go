package redisstore

import (
	"context"

	"github.com/hospitalrtls/rtls/location"
)

// WatchPositions delivers positions applied (by any server of the site)
// after the call until ctx ends. They come through Redis Pub/Sub: positions
// published while the connection to Redis is down are missed.
func (s *Store) WatchPositions(ctx context.Context) (<-chan location.Position, error) {
	ch, err := s.notify.watch(ctx)
	if err != nil {
		return nil, wrap("watch positions", err)
	}
	return ch, nil
}

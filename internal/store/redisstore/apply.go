package redisstore

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hospitalrtls/rtls/internal/store"
	"github.com/hospitalrtls/rtls/location/geofence"
)

// Apply writes u with one script call: atomic and one round trip.
func (s *Store) Apply(ctx context.Context, u store.Update) ([]geofence.Event, error) {
	if err := u.Validate(); err != nil {
		return nil, err
	}
	if len(u.Positions) == 0 && len(u.Events) == 0 {
		return nil, nil
	}
	keys := []string{s.keys.positions, s.keys.placements, s.keys.tags, s.keys.seen, s.keys.events}
	ids, err := applyScript.Run(ctx, s.rdb, keys, s.applyArgs(u)...).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("redisstore: apply: %w", err)
	}
	if len(ids) != len(u.Events) {
		return nil, fmt.Errorf("redisstore: apply: %d ids for %d events", len(ids), len(u.Events))
	}
	var out []geofence.Event
	if len(ids) > 0 {
		out = make([]geofence.Event, len(ids))
		for i, e := range u.Events {
			e.ID = ids[i]
			out[i] = e
		}
	}
	return out, nil
}

// applyArgs returns the ARGV of applyScript for u. The encoded positions
// share one buffer.
func (s *Store) applyArgs(u store.Update) []any {
	args := make([]any, 0, 8+5*len(u.Positions)+16*len(u.Events))
	args = append(args, s.keys.levelPrefix, s.keys.roomPrefix, s.keys.posChannel, s.keys.evChannel,
		len(u.Positions), len(u.Events), max(s.opts.EventMaxLen, 0), max(s.opts.EventMaxAge.Milliseconds(), 0))
	buf := make([]byte, 0, 128*len(u.Positions))
	for _, p := range u.Positions {
		start := len(buf)
		buf = appendPosition(buf, p)
		n := len(buf)
		buf = strconv.AppendInt(buf, p.TS, 10)
		args = append(args, p.Tag, p.Level, p.Room, buf[n:len(buf):len(buf)], buf[start:n:n])
	}
	for _, e := range u.Events {
		args = appendEventArgs(args, e)
	}
	return args
}

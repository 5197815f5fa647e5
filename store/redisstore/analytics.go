package redisstore

import (
	"context"
	"fmt"

	"github.com/hospitalrtls/rtls/analytics"
	"github.com/hospitalrtls/rtls/store"
	"github.com/redis/go-redis/v9"
)

// appendAnalyticsArgs appends the analytics section of applyScript's ARGV:
// the ops grouped by bucket, then by field, in the order each first occurs.
func (s *Store) appendAnalyticsArgs(args []any, u store.Update) []any {
	type field struct {
		name  string
		items int
		args  []any
	}
	var order []string
	buckets := map[string][]*field{}
	fields := map[[2]string]*field{}
	var newest int64
	for _, op := range u.Analytics {
		if buckets[op.Bucket] == nil {
			order = append(order, op.Bucket)
		}
		name := op.Field()
		f := fields[[2]string{op.Bucket, name}]
		if f == nil {
			f = &field{name: name}
			fields[[2]string{op.Bucket, name}] = f
			buckets[op.Bucket] = append(buckets[op.Bucket], f)
		}
		f.items++
		switch op.Set {
		case 0:
			f.args = append(f.args, int(op.Counter), op.Add)
		case analytics.SetMoves:
			f.args = append(f.args, op.To, op.Tag)
		default:
			f.args = append(f.args, op.Tag)
		}
		hour, _ := analytics.BucketHour(op.Bucket) // checked by Validate
		newest = max(newest, hour)
	}
	args = append(args, s.keys.aggPrefix, s.keys.aggIndex, s.keys.aggTags,
		max(s.opts.AnalyticsMaxAge.Milliseconds(), 0), newest, len(order))
	for _, b := range order {
		hour, _ := analytics.BucketHour(b)
		args = append(args, b, hour, len(buckets[b]))
		for _, f := range buckets[b] {
			args = append(args, f.name, f.items)
			args = append(args, f.args...)
		}
	}
	return args
}

// ReadAnalytics reads the named buckets in one round trip.
func (s *Store) ReadAnalytics(ctx context.Context, buckets []string) (analytics.Fields, error) {
	cmds := make([]*redis.MapStringStringCmd, len(buckets))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, b := range buckets {
			cmds[i] = p.HGetAll(ctx, s.keys.aggPrefix+b)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("redisstore: read analytics: %w", err)
	}
	out := analytics.Fields{}
	for i, c := range cmds {
		m := c.Val()
		if len(m) == 0 {
			continue
		}
		out[buckets[i]] = m
	}
	return out, nil
}

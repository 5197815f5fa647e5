package redisstore

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hospitalrtls/rtls/analytics"
	"github.com/hospitalrtls/rtls/store"
	"github.com/redis/go-redis/v9"
)

// appendAnalyticsArgs appends the analytics section of applyScript's ARGV:
// the ops grouped by bucket, in the order their buckets first occur.
func (s *Store) appendAnalyticsArgs(args []any, u store.Update) []any {
	var order []string
	byBucket := map[string][]analytics.Op{}
	var newest int64
	for _, op := range u.Analytics {
		if byBucket[op.Bucket] == nil {
			order = append(order, op.Bucket)
		}
		byBucket[op.Bucket] = append(byBucket[op.Bucket], op)
		hour, _ := analytics.BucketHour(op.Bucket) // checked by Validate
		newest = max(newest, hour)
	}
	args = append(args, s.keys.aggPrefix, s.keys.aggIndex, max(s.opts.AnalyticsMaxAge.Milliseconds(), 0),
		newest, len(order))
	for _, b := range order {
		hour, _ := analytics.BucketHour(b)
		ops := byBucket[b]
		args = append(args, b, hour, len(ops))
		for _, op := range ops {
			if op.Set {
				args = append(args, op.Field, "s", 1)
			} else {
				args = append(args, op.Field, "a", op.Add)
			}
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
		f := make(map[string]int64, len(m))
		for k, v := range m {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("redisstore: read analytics: bucket %s: %w", buckets[i], err)
			}
			f[k] = n
		}
		out[buckets[i]] = f
	}
	return out, nil
}

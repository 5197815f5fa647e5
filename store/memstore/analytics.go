package memstore

import (
	"context"
	"maps"

	"github.com/hospitalrtls/rtls/analytics"
)

// aggregates are the analytics buckets, with their hours for retention.
type aggregates struct {
	packer *analytics.Packer
	fields analytics.Fields
	hours  map[int64][]string // hour -> its buckets
	newest int64              // the newest hour written
}

// applyAnalytics adds ops to the buckets and drops the buckets older than
// AnalyticsMaxAge before the newest hour written. Called with mu held.
func (s *Store) applyAnalytics(ops []analytics.Op) {
	if len(ops) == 0 {
		return
	}
	a := &s.agg
	if a.fields == nil {
		a.packer, a.fields, a.hours = analytics.NewPacker(), analytics.Fields{}, map[int64][]string{}
	}
	newest := a.newest
	for _, op := range ops {
		hour, _ := analytics.BucketHour(op.Bucket) // checked by Validate
		newest = max(newest, hour)
	}
	keep := s.opts.AnalyticsMaxAge < 0
	cutoff := newest - s.opts.AnalyticsMaxAge.Milliseconds()
	for _, op := range ops {
		hour, _ := analytics.BucketHour(op.Bucket)
		if !keep && hour < cutoff {
			continue
		}
		if a.fields[op.Bucket] == nil {
			a.hours[hour] = append(a.hours[hour], op.Bucket)
		}
		a.packer.Apply(a.fields, []analytics.Op{op})
	}
	if newest > a.newest && !keep {
		for hour, buckets := range a.hours {
			if hour < cutoff {
				for _, b := range buckets {
					delete(a.fields, b)
				}
				delete(a.hours, hour)
			}
		}
	}
	a.newest = newest
}

// ReadAnalytics returns copies of the named buckets that exist.
func (s *Store) ReadAnalytics(_ context.Context, buckets []string) (analytics.Fields, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrClosed
	}
	out := analytics.Fields{}
	for _, b := range buckets {
		if f, ok := s.agg.fields[b]; ok {
			out[b] = maps.Clone(f)
		}
	}
	return out, nil
}

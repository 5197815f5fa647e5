package redisstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hospitalrtls/rtls/analytics"
	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

// BenchmarkReadAnalytics reads the 24 dwell buckets (room grouping) of a
// day of 5,000 tags moving between 300 rooms every 5 to 40 minutes: what
// one Dwell query over 24 h reads from Redis.
func BenchmarkReadAnalytics(b *testing.B) {
	s := open(b, Options{URL: redistest.StartServer(b).URL(), Site: nextSite()})
	const start = int64(1_780_000_000_000 / analytics.HourMs * analytics.HourMs)
	r := rand.New(rand.NewPCG(1, 1))
	a := analytics.NewAggregator(nil, nil)
	ctx := context.Background()
	fields := 0
	for tag := range 5000 {
		var vs []geofence.Visit
		home := r.IntN(300)
		for ts := start + r.Int64N(analytics.HourMs); ts < start+24*analytics.HourMs; {
			dur := 5_000 + r.Int64N(40*60_000)
			vs = append(vs, geofence.Visit{Tag: fmt.Sprint("T", tag), Class: "staff",
				Room: fmt.Sprintf("R%03d", (home+r.IntN(12))%300), Enter: ts, Exit: ts + dur})
			ts += dur + r.Int64N(120_000)
		}
		a.Visits(vs)
		var ops []analytics.Op
		for _, op := range a.Take() {
			if strings.HasPrefix(op.Bucket, "dr:") {
				ops = append(ops, op)
			}
		}
		if _, err := s.Apply(ctx, store.Update{Analytics: ops}); err != nil {
			b.Fatal(err)
		}
	}
	buckets := analytics.Buckets(analytics.KindDwell, analytics.ByRoom, start, start+24*analytics.HourMs)
	fs, err := s.ReadAnalytics(ctx, buckets)
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range fs {
		fields += len(f)
	}
	b.Run(fmt.Sprintf("tags=5000/hours=24/fields=%d", fields), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.ReadAnalytics(ctx, buckets); err != nil {
				b.Fatal(err)
			}
		}
	})
}

package redisstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/hospitalrtls/rtls/analytics"
	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

// TestAnalyticsMemory writes a day of 300 tags walking between 300 rooms
// (a visit every 5 s to 40 min, as storetest.BenchAnalytics) through an
// Aggregator and measures the analytics keys with MEMORY USAGE: it logs
// the bytes per closed visit with the estimate for 93 days (the default
// retention) of a 5,000-tag ward, an upper bound (the denser the ward, the
// more tags share each row: 135 B/visit at 1,000 tags), and fails past
// 320 bytes a visit, a guard against a layout that grows (one hash field
// per tag took 890 B/visit at 1,000 tags).
func TestAnalyticsMemory(t *testing.T) {
	t.Parallel() // its own Redis processes; slow, so overlapped with the rest
	s := open(t, Options{URL: redistest.StartServer(t).URL(), Site: nextSite(), AnalyticsMaxAge: -1})
	const tags, rooms = 300, 300
	start := int64(1_780_000_000_000 / analytics.HourMs * analytics.HourMs)
	r := rand.New(rand.NewPCG(1, 1))
	info := map[string]analytics.Room{}
	for i := range rooms {
		info[fmt.Sprintf("R%04d", i)] = analytics.Room{Category: fmt.Sprint("cat", i%4), Unit: fmt.Sprint("U", i%8)}
	}
	var vs []geofence.Visit
	for tg := range tags {
		home := r.IntN(rooms)
		for ts := start + r.Int64N(analytics.HourMs); ts < start+24*analytics.HourMs; {
			dur := 5_000 + r.Int64N(40*60_000)
			vs = append(vs, geofence.Visit{Tag: fmt.Sprintf("T%05d", tg), Class: []string{"staff", "asset", "patient"}[tg%3],
				Room: fmt.Sprintf("R%04d", (home+r.IntN(12))%rooms), Enter: ts, Exit: ts + dur})
			ts += dur + r.Int64N(120_000)
		}
	}
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].Exit < vs[j].Exit })
	a := analytics.NewAggregator(info, nil)
	ctx := context.Background()
	for i := 0; i < len(vs); i += 2000 {
		a.Visits(vs[i:min(i+2000, len(vs))])
		if _, err := s.Apply(ctx, store.Update{Analytics: a.Take()}); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := s.rdb.Keys(ctx, s.keys.aggPrefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, k := range keys {
		total += memoryUsage(t, s, k)
	}
	perVisit := float64(total) / float64(len(vs))
	perDay := perVisit * float64(len(vs)) / tags * 5000
	t.Logf("%.1f B/visit (%d visits, %d keys); a 5,000-tag day %.0f MiB, 93 days %.1f GiB",
		perVisit, len(vs), len(keys), perDay/(1<<20), 93*perDay/(1<<30))
	if perVisit > 320 {
		t.Fatalf("analytics layout past its budget: %.1f B/visit (<= 320)", perVisit)
	}
}

package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/analytics"
	"github.com/hospitalrtls/rtls/internal/cputime"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

// BenchAnalytics writes a day of a 5,000-tag ward (300 rooms of 4
// categories and 8 units, each tag walking between 12 rooms near its
// home every 5 s to 40 min) through an Aggregator into s, in updates of
// 2,000 visits as they close, then measures each AnalyticsService query
// over the 24 hours as the API answers it: ReadAnalytics of the buckets,
// then the query. It reports the wall time (ns/op, which on a shared
// machine counts the wait for a core, and for Redis the server's work and
// the round trip) and the CPU time of this process (cpu-ms/op).
func BenchAnalytics(b *testing.B, s store.Store) {
	const tags, rooms = 5000, 300
	start := int64(1_780_000_000_000 / analytics.HourMs * analytics.HourMs)
	ctx := context.Background()
	vs, roomInfo := wardDay(tags, rooms, start)
	a := analytics.NewAggregator(roomInfo, nil)
	t0 := time.Now()
	for i := 0; i < len(vs); i += 2000 {
		a.Visits(vs[i:min(i+2000, len(vs))])
		if _, err := s.Apply(ctx, store.Update{Analytics: a.Take()}); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("wrote %d visits in %v", len(vs), time.Since(t0).Round(time.Millisecond))
	for _, g := range []analytics.Grouping{analytics.ByRoom, analytics.ByCategory} {
		sc := analytics.Scope{From: start, To: start + 24*analytics.HourMs, Group: g}
		for _, q := range []struct {
			name  string
			kind  analytics.Kind
			query func(analytics.Fields) int
		}{
			{"Dwell", analytics.KindDwell, func(fs analytics.Fields) int { return len(analytics.Dwell(fs, sc, analytics.DefaultMinCount)) }},
			{"Transitions", analytics.KindTransitions, func(fs analytics.Fields) int {
				return len(analytics.Transitions(fs, sc, analytics.DefaultMinCount))
			}},
			{"Occupancy", analytics.KindOccupancy, func(fs analytics.Fields) int {
				return len(analytics.Occupancy(fs, sc, analytics.DefaultMinCount))
			}},
		} {
			buckets := analytics.Buckets(q.kind, g, sc.From, sc.To)
			b.Run(fmt.Sprintf("query=%s/group=%c/tags=%d/rooms=%d/hours=24", q.name, g, tags, rooms), func(b *testing.B) {
				b.ReportAllocs()
				c0, n, rows := cputime.Process(), 0, 0
				for b.Loop() {
					fs, err := s.ReadAnalytics(ctx, buckets)
					if err != nil {
						b.Fatal(err)
					}
					rows = q.query(fs)
					n++
				}
				b.ReportMetric(float64(cputime.Process()-c0)/float64(n)/1e6, "cpu-ms/op")
				b.ReportMetric(float64(rows), "rows")
			})
		}
	}
}

// wardDay returns the closed visits of a day of tags walking between
// rooms, in the order they close, and the rooms' categories and units.
func wardDay(tags, rooms int, start int64) ([]geofence.Visit, map[string]analytics.Room) {
	r := rand.New(rand.NewPCG(1, 1))
	info := map[string]analytics.Room{}
	ids := make([]string, rooms)
	for i := range ids {
		ids[i] = fmt.Sprintf("R%04d", i)
		info[ids[i]] = analytics.Room{Category: fmt.Sprint("cat", i%4), Unit: fmt.Sprint("U", i%8)}
	}
	classes := []string{geofence.ClassStaff, geofence.ClassAsset, geofence.ClassPatient}
	var vs []geofence.Visit
	for t := range tags {
		home := r.IntN(rooms)
		for ts := start + r.Int64N(analytics.HourMs); ts < start+24*analytics.HourMs; {
			dur := 5_000 + r.Int64N(40*60_000)
			vs = append(vs, geofence.Visit{Tag: fmt.Sprintf("T%05d", t), Class: classes[t%3],
				Room: ids[(home+r.IntN(12))%rooms], Enter: ts, Exit: ts + dur})
			ts += dur + r.Int64N(120_000)
		}
	}
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].Exit < vs[j].Exit })
	return vs, info
}

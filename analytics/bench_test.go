package analytics

import (
	"fmt"
	"github.com/hospitalrtls/rtls/internal/cputime"
	"testing"

	"github.com/hospitalrtls/rtls/location/geofence"
)

// BenchmarkQuery answers each query over 24 h of a 5,000-tag ward (300
// rooms) from its aggregated buckets.
func BenchmarkQuery(b *testing.B) {
	d := newDay(5000, 300, 1, 1_780_000_000_000-1_780_000_000_000%HourMs)
	all := d.fields()
	for _, g := range []Grouping{ByRoom, ByCategory} {
		s := Scope{From: d.start, To: d.start + 24*HourMs, Group: g}
		name := fmt.Sprintf("tags=5000/hours=24/group=%c", g)
		for _, q := range []struct {
			name  string
			kind  Kind
			query func(Fields)
		}{
			{"Dwell", KindDwell, func(fs Fields) { Dwell(fs, s, DefaultMinCount) }},
			{"Transitions", KindTransitions, func(fs Fields) { Transitions(fs, s, DefaultMinCount) }},
			{"Occupancy", KindOccupancy, func(fs Fields) { Occupancy(fs, s, DefaultMinCount) }},
		} {
			// What a store returns: the buckets of the query only.
			fs := Fields{}
			for _, bk := range Buckets(q.kind, g, s.From, s.To) {
				fs[bk] = all[bk]
			}
			b.Run(q.name+"/"+name, func(b *testing.B) {
				measure(b, func() { q.query(fs) })
			})
		}
	}
}

// BenchmarkVisits aggregates closed visits as the pipeline does.
func BenchmarkVisits(b *testing.B) {
	d := newDay(5000, 300, 1, 1_780_000_000_000-1_780_000_000_000%HourMs)
	a := NewAggregator(d.rooms, nil)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		v := d.visits[i%len(d.visits)]
		v.Enter += int64(i/len(d.visits)) * 24 * HourMs
		v.Exit += int64(i/len(d.visits)) * 24 * HourMs
		a.Visits([]geofence.Visit{v})
		a.Take()
		i++
	}
}

// measure runs query in the benchmark loop and reports its CPU time per
// call beside the wall time (which, on a shared machine, also counts
// waiting for a core).
func measure(b *testing.B, query func()) {
	b.ReportAllocs()
	start := cputime.Process()
	n := 0
	for b.Loop() {
		query()
		n++
	}
	b.ReportMetric(float64(cputime.Process()-start)/float64(n)/1e6, "cpu-ms/op")
}

// BenchmarkBaseline only iterates over the fields of the 24 dwell buckets
// of BenchmarkQuery's room grouping: the floor of any query reading them,
// to scale the query numbers on a shared machine.
func BenchmarkBaseline(b *testing.B) {
	d := newDay(5000, 300, 1, 1_780_000_000_000-1_780_000_000_000%HourMs)
	all := d.fields()
	fs := Fields{}
	n := 0
	for _, bk := range Buckets(KindDwell, ByRoom, d.start, d.start+24*HourMs) {
		fs[bk] = all[bk]
		n += len(all[bk])
	}
	b.Run(fmt.Sprintf("fields=%d", n), func(b *testing.B) {
		var sum int
		measure(b, func() {
			for _, f := range fs {
				for _, v := range f {
					sum += len(v)
				}
			}
		})
	})
}

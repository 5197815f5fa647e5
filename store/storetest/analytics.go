package storetest

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/analytics"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

// hour0 is the first analytics hour of the tests.
const hour0 = int64(1_780_000_000_000 / analytics.HourMs * analytics.HourMs)

// readAnalytics reads buckets and fails the test on error.
func readAnalytics(t *testing.T, s store.Store, buckets ...string) analytics.Fields {
	t.Helper()
	fs, err := s.ReadAnalytics(ctx(t), buckets)
	if err != nil {
		t.Fatalf("ReadAnalytics: %v", err)
	}
	return fs
}

// analyticsDay returns the ops of six hours of 40 tags walking between 12
// rooms (some visits spanning hours), in updates of at most 50 visits,
// as the pipeline makes them.
func analyticsDay() [][]analytics.Op {
	r := rand.New(rand.NewPCG(3, 5))
	rooms := map[string]analytics.Room{}
	for i := range 12 {
		rooms[fmt.Sprint("R", i)] = analytics.Room{Category: fmt.Sprint("c", i%3), Unit: fmt.Sprint("U", i%2)}
	}
	var vs []geofence.Visit
	for tag := range 40 {
		for ts := hour0 + r.Int64N(analytics.HourMs); ts < hour0+6*analytics.HourMs; {
			dur := 1_000 + r.Int64N(20*60_000)
			if r.IntN(15) == 0 {
				dur = 2 * analytics.HourMs
			}
			vs = append(vs, geofence.Visit{Tag: fmt.Sprint("T", tag), Class: []string{"staff", "patient"}[tag%2],
				Room: fmt.Sprint("R", r.IntN(12)), Enter: ts, Exit: ts + dur})
			ts += dur + r.Int64N(60_000)
		}
	}
	a := analytics.NewAggregator(rooms, nil)
	var out [][]analytics.Op
	for i := 0; i < len(vs); i += 50 {
		a.Visits(vs[i:min(i+50, len(vs))])
		out = append(out, a.Take())
	}
	return out
}

// testAnalytics: the store keeps what analytics.Packer keeps (the queries
// answer the same over both, every grouping and kind), a retried update
// (same Seq) counts once, the caller owns what it reads, and malformed
// ops are refused.
func testAnalytics(t *testing.T, open Opener) {
	s := open(t, Retention{})
	want, p := analytics.Fields{}, analytics.NewPacker()
	for i, ops := range analyticsDay() {
		u := store.Update{Seq: uint64(i + 1), Analytics: ops}
		apply(t, s, u)
		apply(t, s, u) // a retry: written once
		p.Apply(want, ops)
	}
	moves := 0
	for _, g := range analytics.Groupings {
		for _, class := range []string{"", "patient"} {
			sc := analytics.Scope{From: hour0 + analytics.HourMs/2, To: hour0 + 8*analytics.HourMs, Class: class, Group: g}
			for _, k := range []analytics.Kind{analytics.KindDwell, analytics.KindTransitions, analytics.KindOccupancy} {
				buckets := analytics.Buckets(k, g, sc.From, sc.To)
				got := readAnalytics(t, s, buckets...)
				q := map[analytics.Kind]func(analytics.Fields) any{
					analytics.KindDwell:       func(fs analytics.Fields) any { return analytics.Dwell(fs, sc, 1) },
					analytics.KindTransitions: func(fs analytics.Fields) any { return analytics.Transitions(fs, sc, 1) },
					analytics.KindOccupancy:   func(fs analytics.Fields) any { return analytics.Occupancy(fs, sc, 1) },
				}[k]
				if g, w := q(got), q(want); !reflect.DeepEqual(g, w) {
					t.Fatalf("%c/%c/%q: store answers %+v, packer %+v", k, sc.Group, class, g, w)
				}
				if rows, ok := q(got).([]analytics.TransitionRow); ok {
					for _, r := range rows {
						moves += int(r.Count)
					}
				}
			}
		}
	}
	if moves == 0 {
		t.Fatal("no transitions: the test does not exercise moves")
	}
	b := analytics.Bucket(analytics.KindDwell, analytics.ByRoom, hour0)
	got := readAnalytics(t, s, b)
	for f := range got[b] {
		got[b][f] = "" // the caller's copy
	}
	if again := readAnalytics(t, s, b); reflect.DeepEqual(again, got) {
		t.Fatal("a read changed by its caller's write")
	}
	if missing := readAnalytics(t, s, analytics.Bucket(analytics.KindDwell, analytics.ByUnit, hour0+90*analytics.HourMs)); len(missing) != 0 {
		t.Fatalf("a missing bucket read as %v", missing)
	}
	for _, op := range []analytics.Op{
		{Bucket: "nope", Row: "\x1fR1", Add: 1},
		{Bucket: b, Row: "", Add: 1},
		{Bucket: b, Row: "\x1fR1", Add: -1},
		{Bucket: b, Row: "\x1fR1", Set: analytics.SetTags, Tag: "T1"},
		{Bucket: b, Row: "\x1fR1", Set: analytics.SetMoves, Tag: analytics.TagHash("T1")},
	} {
		if _, err := s.Apply(ctx(t), store.Update{Analytics: []analytics.Op{op}}); err == nil {
			t.Fatalf("Apply took the malformed op %+v", op)
		}
	}
}

// testAnalyticsRetention: buckets older than the retention before the
// newest hour written are dropped and not written again.
func testAnalyticsRetention(t *testing.T, open Opener) {
	s := open(t, Retention{AnalyticsMaxAge: 2 * time.Hour})
	old := analytics.Bucket(analytics.KindDwell, analytics.ByRoom, hour0)
	mid := analytics.Bucket(analytics.KindDwell, analytics.ByRoom, hour0+3*analytics.HourMs)
	last := analytics.Bucket(analytics.KindDwell, analytics.ByRoom, hour0+5*analytics.HourMs)
	op := func(b string) analytics.Op { return analytics.Op{Bucket: b, Row: "\x1fR1", Add: 1} }
	apply(t, s, store.Update{Analytics: []analytics.Op{op(old)}})
	apply(t, s, store.Update{Analytics: []analytics.Op{op(mid), op(last)}})
	apply(t, s, store.Update{Analytics: []analytics.Op{op(old)}}) // too old now
	got := readAnalytics(t, s, old, mid, last)
	if _, ok := got[old]; ok || len(got[mid]) != 1 || len(got[last]) != 1 {
		t.Fatalf("after retention: %v", got)
	}
}

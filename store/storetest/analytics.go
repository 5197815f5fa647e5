package storetest

import (
	"maps"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/analytics"
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

// testAnalytics: ops add to counters and set members, a retried update
// (same Seq) counts once, the caller owns what it reads.
func testAnalytics(t *testing.T, open Opener) {
	s := open(t, Retention{})
	b1, b2 := analytics.Bucket(analytics.KindDwell, analytics.ByRoom, hour0),
		analytics.Bucket(analytics.KindOccupancy, analytics.ByRoom, hour0+analytics.HourMs)
	u := store.Update{Seq: 1, Analytics: []analytics.Op{
		{Bucket: b1, Field: "patient\x1fR1\x1fn", Add: 2},
		{Bucket: b1, Field: "patient\x1fR1\x1fs", Add: 95_000},
		{Bucket: b1, Field: "patient\x1fR1\x1ftabc", Set: true},
		{Bucket: b2, Field: "patient\x1fR1\x1ftabc", Set: true},
	}}
	apply(t, s, u)
	apply(t, s, u) // a retry: written once
	apply(t, s, store.Update{Seq: 2, Analytics: []analytics.Op{
		{Bucket: b1, Field: "patient\x1fR1\x1fn", Add: 1},
		{Bucket: b1, Field: "patient\x1fR1\x1ftabc", Set: true},
		{Bucket: b1, Field: "patient\x1fR1\x1ftdef", Set: true},
	}})
	missing := analytics.Bucket(analytics.KindDwell, analytics.ByUnit, hour0)
	got := readAnalytics(t, s, b1, b2, missing)
	want := analytics.Fields{
		b1: {"patient\x1fR1\x1fn": 3, "patient\x1fR1\x1fs": 95_000, "patient\x1fR1\x1ftabc": 1, "patient\x1fR1\x1ftdef": 1},
		b2: {"patient\x1fR1\x1ftabc": 1},
	}
	if !maps.EqualFunc(got, want, maps.Equal) {
		t.Fatalf("ReadAnalytics = %v, want %v", got, want)
	}
	got[b1]["patient\x1fR1\x1fn"] = 99 // the caller's copy
	if again := readAnalytics(t, s, b1); again[b1]["patient\x1fR1\x1fn"] != 3 {
		t.Fatalf("a read changed by its caller's write: %v", again)
	}
	if _, err := s.Apply(ctx(t), store.Update{Analytics: []analytics.Op{{Bucket: "nope", Field: "x", Add: 1}}}); err == nil {
		t.Fatal("Apply took an op of a malformed bucket")
	}
}

// testAnalyticsRetention: buckets older than the retention before the
// newest hour written are dropped and not written again.
func testAnalyticsRetention(t *testing.T, open Opener) {
	s := open(t, Retention{AnalyticsMaxAge: 2 * time.Hour})
	old := analytics.Bucket(analytics.KindDwell, analytics.ByRoom, hour0)
	mid := analytics.Bucket(analytics.KindDwell, analytics.ByRoom, hour0+3*analytics.HourMs)
	last := analytics.Bucket(analytics.KindDwell, analytics.ByRoom, hour0+5*analytics.HourMs)
	op := func(b string) analytics.Op { return analytics.Op{Bucket: b, Field: "\x1fR1\x1fn", Add: 1} }
	apply(t, s, store.Update{Analytics: []analytics.Op{op(old)}})
	apply(t, s, store.Update{Analytics: []analytics.Op{op(mid), op(last)}})
	apply(t, s, store.Update{Analytics: []analytics.Op{op(old)}}) // too old now
	got := readAnalytics(t, s, old, mid, last)
	if _, ok := got[old]; ok || len(got[mid]) != 1 || len(got[last]) != 1 {
		t.Fatalf("after retention: %v", got)
	}
}

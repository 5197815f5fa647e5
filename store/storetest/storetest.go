// Package storetest is the contract every store.Store implementation
// passes: memstore runs it in process, redisstore against a real
// redis-server. Run it from the implementation's tests:
//
//	func TestContract(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, r storetest.Retention) store.Store { ... })
//	}
package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

// Retention is the event retention a test needs. Zero fields mean the
// store's defaults.
type Retention struct {
	MaxLen          int64
	MaxAge          time.Duration
	TrailMaxAge     time.Duration
	AnalyticsMaxAge time.Duration
}

// Opener returns a new, empty store configured with r, closed by the
// opener in t.Cleanup (a second Close must be harmless). Stores from
// separate calls must not share state.
type Opener func(t *testing.T, r Retention) store.Store

// guard bounds every wait in the suite so a broken store fails instead of
// hanging; no test asserts how long anything takes.
const guard = 10 * time.Second

// Run runs the contract suite against stores from open.
func Run(t *testing.T, open Opener) {
	run(t, open, []named{
		{"Positions", testPositions},
		{"Expire", testExpire},
		{"ExpireMany", testExpireMany},
		{"Paging", testPaging},
		{"Invalid", testInvalid},
		{"Watch", testWatch},
		{"Events", testEvents},
		{"ReadEventsBlocking", testReadEventsBlocking},
		{"ListEvents", testListEvents},
		{"Retention", testRetention},
		{"Concurrent", testConcurrent},
		{"Fence", testFence},
		{"Config", testConfig},
		{"DurableInvalid", testDurableInvalid},
		{"Seq", testSeq},
		{"Batteries", testBatteries},
		{"Trail", testTrail},
		{"TrailRetention", testTrailRetention},
		{"Analytics", testAnalytics},
		{"AnalyticsRetention", testAnalyticsRetention},
		{"StatusHistory", testStatusHistory},
		{"Close", testClose},
	})
}

// named is one test of the suite.
type named struct {
	name string
	test func(*testing.T, Opener)
}

// run runs tests as subtests of t.
func run(t *testing.T, open Opener, tests []named) {
	for _, n := range tests {
		t.Run(n.name, func(t *testing.T) { n.test(t, open) })
	}
}

// ctx returns a context bounded by guard and ended with the test.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), guard)
	t.Cleanup(cancel)
	return c
}

// apply applies u and fails the test on error.
func apply(t *testing.T, s store.Store, u store.Update) []geofence.Event {
	t.Helper()
	evs, err := s.Apply(ctx(t), u)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return evs
}

// pos returns a position with distinct, non-round numbers.
func pos(tag, level, room string, ts int64) location.Position {
	return location.Position{TS: ts, Tag: tag, Level: level, Room: room,
		X: 21.4 + float64(ts%7), Y: -4.9, AccuracyM: 1.8, RoomProb: 0.93}
}

// event returns an ENTER event of tag into zone at ts.
func event(tag, zone string, ts int64) geofence.Event {
	return geofence.Event{Type: geofence.Enter, Tag: tag, Zone: zone, TS: ts, Trigger: "position"}
}

// tagName returns the i-th test tag id; names sort in i order.
func tagName(i int) string { return fmt.Sprintf("TAG-%05d", i) }

// nowMS is the current wall time in epoch ms, for event times near arrival.
func nowMS() int64 { return time.Now().UnixMilli() }

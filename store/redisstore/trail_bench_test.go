package redisstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

// trailSample is a day of one tag's trail at the thinner's highest rate:
// a point every 30 s (a tag always on the move) and a room change every
// 5 minutes, in rooms and at coordinates like the demo ward's.
func trailSample(tag string, day int64) ([]location.Position, []geofence.Visit) {
	const pointEvery, visitEvery = 30_000, 300_000
	var ps []location.Position
	var vs []geofence.Visit
	for ts := day; ts < day+86_400_000; ts += pointEvery {
		i := (ts - day) / visitEvery
		ps = append(ps, location.Position{Tag: tag, TS: ts, Level: "L0", Room: fmt.Sprintf("L0-S%02d", i%24),
			X: 10 + float64(ts%4000)/100, Y: 3 + float64(ts%700)/100})
	}
	for enter := day; enter < day+86_400_000; enter += visitEvery {
		vs = append(vs, geofence.Visit{Tag: tag, Room: fmt.Sprintf("L0-S%02d", (enter-day)/visitEvery%24), Level: "L0",
			Enter: enter, Exit: enter + visitEvery})
	}
	return ps, vs
}

// TestTrailMemory writes a day of trails for a sample of tags and measures
// the keys with MEMORY USAGE: it logs bytes per point and per visit with
// the estimate for 30 days at 5,000 tags, and fails past the budget (64
// bytes per point, 192 per visit), a guard against an encoding that grows.
func TestTrailMemory(t *testing.T) {
	const tags = 20
	s := open(t, Options{URL: redistest.StartServer(t).URL(), Site: nextSite(), TrailMaxAge: -1})
	ctx := context.Background()
	day := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC).UnixMilli()
	var points, visits int
	for i := range tags {
		tag := fmt.Sprintf("TAG-%04d", i)
		ps, vs := trailSample(tag, day)
		points, visits = points+len(ps), visits+len(vs)
		for len(ps) > 0 {
			n := min(len(ps), 1000)
			if _, err := s.Apply(ctx, store.Update{Trail: ps[:n]}); err != nil {
				t.Fatal(err)
			}
			ps = ps[n:]
		}
		if _, err := s.Apply(ctx, store.Update{Visits: vs}); err != nil {
			t.Fatal(err)
		}
	}
	var pointBytes, visitBytes int64
	for i := range tags {
		tag := fmt.Sprintf("TAG-%04d", i)
		pointBytes += memoryUsage(t, s, s.keys.trailPoints+tag)
		visitBytes += memoryUsage(t, s, s.keys.trailVisits+tag)
	}
	perPoint, perVisit := float64(pointBytes)/float64(points), float64(visitBytes)/float64(visits)
	// 30 days at 5,000 tags: a point every 30 s and a visit every 5 min
	// for every tag (the upper bound: every tag always walking).
	const month, fleet = 30 * 86_400, 5000
	est := fleet * (month/30*perPoint + month/300*perVisit)
	t.Logf("%.1f B/point, %.1f B/visit (%d points, %d visits); 30 days x 5,000 tags, always moving: %.1f GiB",
		perPoint, perVisit, points, visits, est/(1<<30))
	if perPoint > 64 || perVisit > 192 {
		t.Fatalf("trail encoding past its budget: %.1f B/point (<= 64), %.1f B/visit (<= 192)", perPoint, perVisit)
	}
}

// memoryUsage returns MEMORY USAGE of key over all its elements.
func memoryUsage(t *testing.T, s *Store, key string) int64 {
	t.Helper()
	n, err := s.rdb.MemoryUsage(context.Background(), key, 0).Result()
	if err != nil {
		t.Fatalf("MEMORY USAGE %s: %v", key, err)
	}
	return n
}

// BenchmarkTrailApply measures the write cost of a tick (250 ms) at 5,000
// tags beaconing once a second: 1,250 positions, with and without the
// trail a tick adds when every tag is always walking (a point every 30 s
// per tag: 42 points; a room change every 5 minutes: 4 visits closed and
// 4 opened), and that trail alone. The trail's cost per tick is the
// trail-only figure (the difference of the first two is within the noise
// of a shared machine).
func BenchmarkTrailApply(b *testing.B) {
	const fleet, perTick = 5000, 1250
	s := open(b, Options{URL: redistest.StartServer(b).URL(), Site: nextSite()})
	ctx := context.Background()
	for _, c := range []struct{ positions, trail bool }{{true, false}, {true, true}, {false, true}} {
		b.Run(fmt.Sprintf("tags=%d/positions=%v/trail=%v", fleet, c.positions, c.trail), func(b *testing.B) {
			b.ReportAllocs()
			ts := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC).UnixMilli()
			tick := 0
			for b.Loop() {
				tick++
				ts += 250
				u := store.Update{Positions: make([]location.Position, perTick)}
				for i := range u.Positions {
					tag := fmt.Sprintf("TAG-%05d", (tick*perTick+i)%fleet)
					u.Positions[i] = location.Position{Tag: tag, TS: ts, Level: "L0", Room: "L0-S03", X: 12.5, Y: 4.25, AccuracyM: 1.5, RoomProb: 0.9}
				}
				if c.trail {
					u.Trail = u.Positions[:42]
					for i := range 4 {
						tag := fmt.Sprintf("TAG-%05d", (tick*4+i)%fleet)
						u.Visits = append(u.Visits,
							geofence.Visit{Tag: tag, Room: "L0-S02", Level: "L0", Enter: ts - 300_000, Exit: ts},
							geofence.Visit{Tag: tag, Room: "L0-S03", Level: "L0", Enter: ts})
					}
				}
				if !c.positions {
					u.Positions = nil
				}
				if _, err := s.Apply(ctx, u); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

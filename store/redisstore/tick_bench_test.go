package redisstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/analytics"
	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

// tickSim makes the steady-state updates of the pipeline's writer at high
// load: every tick (250 ms of event time) a position and a trail point for
// each of its tags, and for a fiftieth of them a room change (the open
// visit closed, a new one opened, an ENTER event, the analytics ops of the
// closed visit).
type tickSim struct {
	tags  []location.Position
	enter []int64 // entry time of each tag's open visit
	agg   *analytics.Aggregator
	ts    int64
	tick  int
}

// tickEvery is the event time between two ticks (ms).
const tickEvery = 250

// newTickSim returns the simulation of n tags, each in its first room.
func newTickSim(n int) *tickSim {
	t := &tickSim{tags: make([]location.Position, n), enter: make([]int64, n),
		agg: analytics.NewAggregator(nil, nil), ts: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC).UnixMilli()}
	for i := range t.tags {
		t.tags[i] = location.Position{Tag: fmt.Sprintf("TAG-%05d", i), TS: t.ts, Level: "L" + strconv.Itoa(i%4),
			Room: tickRoom(i, 0), X: float64(i % 100), Y: float64(i % 50), AccuracyM: 1.5, RoomProb: 0.9}
		t.enter[i] = t.ts
	}
	return t
}

// tickRoom is tag i's room after k room changes.
func tickRoom(i, k int) string { return fmt.Sprintf("L%d-R%03d", i%4, (i+k*7)%200) }

// first returns the update opening every tag's visit at its first position.
func (t *tickSim) first() store.Update {
	u := store.Update{Positions: slices.Clone(t.tags), Trail: slices.Clone(t.tags)}
	for i, p := range t.tags {
		u.Visits = append(u.Visits, geofence.Visit{Tag: p.Tag, Level: p.Level, Room: p.Room, Enter: t.enter[i]})
	}
	t.agg.Visits(u.Visits)
	u.Analytics = t.agg.Take()
	return u
}

// next returns the next tick's update.
func (t *tickSim) next() store.Update {
	t.tick++
	t.ts += tickEvery
	u := store.Update{Positions: make([]location.Position, len(t.tags))}
	for i := range t.tags {
		p := &t.tags[i]
		p.TS = t.ts
		p.X = float64((i+t.tick)%100) + 0.25
		if (i+t.tick)%50 == 0 {
			old := geofence.Visit{Tag: p.Tag, Level: p.Level, Room: p.Room, Enter: t.enter[i], Exit: t.ts}
			p.Room = tickRoom(i, t.tick)
			t.enter[i] = t.ts
			u.Visits = append(u.Visits, old, geofence.Visit{Tag: p.Tag, Level: p.Level, Room: p.Room, Enter: t.ts})
			u.Events = append(u.Events, geofence.Event{Type: geofence.Enter, Tag: p.Tag, Zone: p.Room, TS: t.ts,
				Trigger: geofence.TriggerPosition, Level: p.Level})
		}
		u.Positions[i] = *p
	}
	u.Trail = u.Positions
	t.agg.Visits(u.Visits)
	u.Analytics = t.agg.Take()
	return u
}

// BenchmarkApplyTick measures Apply at the writer's steady state under
// load (tickSim): every tag already stored, its trail at the retention (2
// s, 8 ticks), so each tick appends one point per tag and trims one. It
// reports the Redis time of the apply script per Apply and per position
// (INFO commandstats of EVALSHA over the timed ticks), the CPU time of
// Redis's main thread per Apply (steadier than the former on a busy
// machine) and, with -v, the script's latency percentiles (INFO
// latencystats) and the commands it ran, by time.
func BenchmarkApplyTick(b *testing.B) {
	for _, n := range []int{1000, 11_000} {
		b.Run(fmt.Sprintf("positions=%d", n), func(b *testing.B) {
			srv := redistest.StartServer(b)
			s := open(b, Options{URL: srv.URL(), Site: nextSite(), TrailMaxAge: 8 * tickEvery * time.Millisecond})
			ctx := context.Background()
			sim := newTickSim(n)
			apply := func(u store.Update) {
				if _, err := s.Apply(ctx, u); err != nil {
					b.Fatal(err)
				}
			}
			apply(sim.first())
			for range 12 {
				apply(sim.next())
			}
			if err := s.rdb.ConfigResetStat(ctx).Err(); err != nil {
				b.Fatal(err)
			}
			cpu0 := mainThreadCPU(b, s)
			ticks := 0
			for b.Loop() {
				b.StopTimer()
				u := sim.next()
				b.StartTimer()
				apply(u)
				ticks++
			}
			b.StopTimer()
			cpu := mainThreadCPU(b, s) - cpu0
			stats := commandStats(b, s)
			script := stats["evalsha"]
			b.ReportMetric(script.usec/float64(ticks), "redis-us/apply")
			b.ReportMetric(script.usec/float64(ticks*n), "redis-us/position")
			b.ReportMetric(cpu/float64(ticks), "redis-cpu-us/apply")
			lat, err := s.rdb.Info(ctx, "latencystats").Result()
			if err != nil {
				b.Fatal(err)
			}
			for line := range strings.Lines(lat) {
				if strings.HasPrefix(line, "latency_percentiles_usec_evalsha:") {
					b.Logf("%s", strings.TrimSpace(line))
				}
			}
			names := make([]string, 0, len(stats))
			for name := range stats {
				names = append(names, name)
			}
			slices.SortFunc(names, func(x, y string) int { return int(stats[y].usec - stats[x].usec) })
			for _, name := range names {
				c := stats[name]
				b.Logf("%-18s %9.0f us/apply %8.1f calls/apply %6.2f us/call", name,
					c.usec/float64(ticks), float64(c.calls)/float64(ticks), c.usec/float64(c.calls))
			}
		})
	}
}

// cmdStat is one command's line of INFO commandstats.
type cmdStat struct {
	calls int64
	usec  float64
}

// commandStats returns INFO commandstats by command name.
func commandStats(b testing.TB, s *Store) map[string]cmdStat {
	info, err := s.rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	out := map[string]cmdStat{}
	for line := range strings.Lines(info) {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		var c cmdStat
		for kv := range strings.SplitSeq(rest, ",") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "calls":
				c.calls, _ = strconv.ParseInt(v, 10, 64)
			case "usec":
				c.usec, _ = strconv.ParseFloat(v, 64)
			}
		}
		out[strings.TrimPrefix(name, "cmdstat_")] = c
	}
	return out
}

// mainThreadCPU returns the CPU time (user and system, µs) Redis's main
// thread has used (INFO cpu).
func mainThreadCPU(b testing.TB, s *Store) float64 {
	info, err := s.rdb.Info(context.Background(), "cpu").Result()
	if err != nil {
		b.Fatal(err)
	}
	var sum float64
	for line := range strings.Lines(info) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		if k == "used_cpu_sys_main_thread" || k == "used_cpu_user_main_thread" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				b.Fatal(err)
			}
			sum += f * 1e6
		}
	}
	return sum
}

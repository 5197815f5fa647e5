package server

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/internal/load"
	"github.com/hospitalrtls/rtls/internal/redistest"
)

// BenchmarkEventPath runs rtlsload's workload against rtlsd in process
// with a real Redis and rtlsd's default tick and debounce: tags move from
// room to room in real time (1 Hz batches from every reader that hears
// them) while a gRPC watch takes the events. It reports the rate of events
// and the latency from the batches that complete a room change to its
// ENTER, whole and beyond the debounce and lateness the design imposes.
// One iteration takes the workload's duration.
func BenchmarkEventPath(b *testing.B) {
	for _, tc := range []struct {
		tags     int
		duration time.Duration
	}{{100, 20 * time.Second}} {
		b.Run(fmt.Sprintf("tags=%d", tc.tags), func(b *testing.B) {
			rs := redistest.StartServer(b)
			cfg := eventsConfig(rs.URL(), 0)
			cfg.Tick = 250 * time.Millisecond // rtlsd's default
			cfg.Clock = nil                   // the driver stamps and measures in wall-clock time
			s, _ := startWith(b, cfg)
			plan := loadClinic(b)
			var rep load.Report
			for i := 0; b.Loop(); i++ {
				var err error
				rep, err = load.Run(context.Background(), load.Config{CoAPAddr: s.CoAPAddr().String(), GRPCAddr: s.GRPCAddr().String(),
					Plan: plan, Tags: tc.tags, Duration: tc.duration, Debounce: 3 * time.Second, Lateness: load.DefaultLateness,
					Seed: uint64(i + 1), Prefix: fmt.Sprintf("BENCH-%d-", i)})
				if err != nil {
					b.Fatal(err)
				}
			}
			if rep.Latency.N == 0 {
				b.Fatalf("no ENTER matched: %+v", rep)
			}
			b.ReportMetric(rep.EventsPerSec, "events/s")
			b.ReportMetric(ms(rep.Latency.P50), "p50-ms")
			b.ReportMetric(ms(rep.Latency.P99), "p99-ms")
			b.ReportMetric(ms(rep.Beyond.P50), "beyond-p50-ms")
			b.ReportMetric(ms(rep.Beyond.P99), "beyond-p99-ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

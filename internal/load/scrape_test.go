package load

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

const metricsText = `# TYPE rtls_engine_sightings_total counter
rtls_engine_sightings_total{result="accepted"} 1000
rtls_engine_sightings_total{result="late"} 30
rtls_engine_sightings_total{result="unknown_reader"} 5
# TYPE rtls_engine_positions_total counter
rtls_engine_positions_total 400
# TYPE rtls_rfid_udp_kernel_drops_total counter
rtls_rfid_udp_kernel_drops_total{addr="127.0.0.1:5683"} 7
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 1.048576e+08
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.5
# TYPE rtls_pipeline_epoch_delay_seconds histogram
rtls_pipeline_epoch_delay_seconds_bucket{stage="flushed",le="0.1"} 10
rtls_pipeline_epoch_delay_seconds_bucket{stage="flushed",le="0.2"} 90
rtls_pipeline_epoch_delay_seconds_bucket{stage="flushed",le="0.4"} 100
rtls_pipeline_epoch_delay_seconds_bucket{stage="flushed",le="+Inf"} 100
rtls_pipeline_epoch_delay_seconds_sum{stage="flushed"} 15
rtls_pipeline_epoch_delay_seconds_count{stage="flushed"} 100
rtls_pipeline_epoch_delay_seconds_bucket{stage="events",le="0.1"} 50
rtls_pipeline_epoch_delay_seconds_bucket{stage="events",le="0.2"} 100
rtls_pipeline_epoch_delay_seconds_bucket{stage="events",le="0.4"} 100
rtls_pipeline_epoch_delay_seconds_bucket{stage="events",le="+Inf"} 100
rtls_pipeline_epoch_delay_seconds_sum{stage="events"} 10
rtls_pipeline_epoch_delay_seconds_count{stage="events"} 100
rtls_pipeline_epoch_delay_seconds_bucket{stage="stored",le="0.1"} 0
rtls_pipeline_epoch_delay_seconds_bucket{stage="stored",le="0.2"} 0
rtls_pipeline_epoch_delay_seconds_bucket{stage="stored",le="0.4"} 99
rtls_pipeline_epoch_delay_seconds_bucket{stage="stored",le="+Inf"} 100
rtls_pipeline_epoch_delay_seconds_sum{stage="stored"} 35
rtls_pipeline_epoch_delay_seconds_count{stage="stored"} 100
`

func TestScrape(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, metricsText)
	}))
	defer srv.Close()
	s := scrape(context.Background(), srv.URL)
	want := serverSample{ok: true, late: 30, dropped: 35, positions: 400, kernelDrops: 7, kernelKnown: true, rss: 104857600, cpu: 12.5,
		flushed: histogram{upper: []float64{0.1, 0.2, 0.4, math.Inf(1)}, counts: []float64{10, 90, 100, 100}},
		events:  histogram{upper: []float64{0.1, 0.2, 0.4, math.Inf(1)}, counts: []float64{50, 100, 100, 100}},
		stored:  histogram{upper: []float64{0.1, 0.2, 0.4, math.Inf(1)}, counts: []float64{0, 0, 99, 100}}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("scrape = %+v, want %+v", s, want)
	}
	// histogram_quantile's estimates: p50 halfway into (0.1, 0.2] is 0.15;
	// stored's p50 is 0.2 + 0.2*50/99 and its p99 at the bucket's top, its
	// +Inf observation capped at 0.4
	if q := s.flushed.quantiles(); q.N != 100 || q.P50 != 150*time.Millisecond || q.P90 != 200*time.Millisecond || q.Max != 400*time.Millisecond {
		t.Errorf("flushed quantiles = %+v", q)
	}
	if q := s.events.quantiles(); q.N != 100 || q.P50 != 100*time.Millisecond {
		t.Errorf("events quantiles = %+v", q)
	}
	if q := s.stored.quantiles(); q.P50.Round(time.Millisecond) != 301*time.Millisecond || q.P99 != 400*time.Millisecond || q.Max != 400*time.Millisecond {
		t.Errorf("stored quantiles = %+v", q)
	}
	if s := scrape(context.Background(), ""); s.ok {
		t.Error("scrape without an address reported ok")
	}
	// A restarted rtlsd: counters start again from zero.
	later := serverSample{ok: true, late: 4, dropped: 40, positions: 10, cpu: 1, rss: 5}
	d := delta(want, later)
	if d.late != 4 || d.dropped != 5 || d.positions != 10 || d.cpu != 1 || d.rss != 5 {
		t.Errorf("delta = %+v", d)
	}
	// The histograms' delta is bucket by bucket.
	next := want
	next.flushed = histogram{upper: want.flushed.upper, counts: []float64{10, 91, 102, 102}}
	if q := delta(want, next).flushed.quantiles(); q.N != 2 || q.P50 != 200*time.Millisecond || q.Max != 400*time.Millisecond {
		t.Errorf("delta's flushed quantiles = %+v", q)
	}
}

func TestSteadyLeavesOutWarmUp(t *testing.T) {
	ivs := []Interval{
		{End: 10 * time.Second, Offered: 500, Acked: 100, Server: true, Ack: Quantiles{P50: time.Second, P99: 9 * time.Second}},
		{End: 20 * time.Second, Offered: 1000, Acked: 900, Clean: 800, Server: true, Ack: Quantiles{P50: 2 * time.Millisecond, P99: 20 * time.Millisecond}},
		{End: 30 * time.Second, Offered: 1000, Acked: 1000, Clean: 1000, Server: true, Ack: Quantiles{P50: 4 * time.Millisecond, P99: 10 * time.Millisecond}},
	}
	s := steady(ivs)
	if s.Offered != 1000 || s.Acked != 950 || s.Clean != 900 || s.Ack.P99 != 20*time.Millisecond || s.End != 30*time.Second {
		t.Errorf("steady = %+v", s)
	}
	var b strings.Builder
	MixReport{Intervals: ivs, Steady: s}.Write(&b)
	if !strings.Contains(b.String(), "offered") {
		t.Errorf("report without a header:\n%s", b.String())
	}
}

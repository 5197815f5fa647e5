package load

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// serverSample is what one scrape of rtlsd's /metrics says, cumulative.
type serverSample struct {
	ok          bool
	late        float64 // sightings the engine dropped as late (after 2.04)
	dropped     float64 // sightings the engine did not take, every cause (late included)
	positions   float64
	busy        float64 // batches refused busy (5.03)
	kernelDrops float64 // datagrams the kernel dropped on the CoAP socket
	kernelKnown bool    // rtlsd exports kernel drops (Linux, this build)
	rss         float64 // bytes
	cpu         float64 // seconds
	// flushed, events and stored: rtls_pipeline_epoch_delay_seconds by stage
	flushed, events, stored histogram
}

// histogram is a Prometheus histogram's cumulative buckets.
type histogram struct {
	upper  []float64 // upper bounds, ascending, +Inf last
	counts []float64 // observations at or below each bound
}

func readHistogram(f *dto.MetricFamily, stage string) histogram {
	var h histogram
	for _, m := range f.GetMetric() {
		if label(m, "stage") != stage {
			continue
		}
		for _, b := range m.GetHistogram().GetBucket() {
			h.upper = append(h.upper, b.GetUpperBound())
			h.counts = append(h.counts, float64(b.GetCumulativeCount()))
		}
		if n := len(h.upper); n == 0 || !math.IsInf(h.upper[n-1], 1) {
			h.upper = append(h.upper, math.Inf(1))
			h.counts = append(h.counts, float64(m.GetHistogram().GetSampleCount()))
		}
	}
	return h
}

// since is h minus the earlier a, bucket by bucket (h itself when the
// buckets differ or a counter went back: rtlsd restarted).
func (h histogram) since(a histogram) histogram {
	if len(a.counts) != len(h.counts) {
		return h
	}
	d := histogram{upper: h.upper, counts: make([]float64, len(h.counts))}
	for i := range h.counts {
		if h.counts[i] < a.counts[i] {
			return h
		}
		d.counts[i] = h.counts[i] - a.counts[i]
	}
	return d
}

// quantiles estimates the quantiles as Prometheus's histogram_quantile
// does (linear within a bucket; the highest finite bound for +Inf); Max
// is the upper bound of the highest bucket reached.
func (h histogram) quantiles() Quantiles {
	if len(h.counts) == 0 || h.counts[len(h.counts)-1] == 0 {
		return Quantiles{}
	}
	total := h.counts[len(h.counts)-1]
	at := func(q float64) time.Duration {
		rank := q * total
		lower, below := 0.0, 0.0
		for i, c := range h.counts {
			if c >= rank {
				if math.IsInf(h.upper[i], 1) {
					return seconds(lower)
				}
				return seconds(lower + (h.upper[i]-lower)*(rank-below)/(c-below))
			}
			lower, below = h.upper[i], c
		}
		return seconds(lower)
	}
	q := Quantiles{N: int(total), P50: at(0.5), P90: at(0.9), P99: at(0.99)}
	for i, c := range h.counts {
		if c == total {
			q.Max = seconds(h.upper[i])
			if math.IsInf(h.upper[i], 1) && i > 0 {
				q.Max = seconds(h.upper[i-1])
			}
			break
		}
	}
	return q
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// scrape reads rtlsd's Prometheus metrics at url ("" or an error: !ok).
func scrape(ctx context.Context, url string) serverSample {
	if url == "" {
		return serverSample{}
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return serverSample{}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return serverSample{}
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return serverSample{}
	}
	s := serverSample{ok: true}
	for _, m := range fams["rtls_engine_sightings_total"].GetMetric() {
		switch label(m, "result") {
		case "accepted":
		case "late":
			s.late += value(m)
			s.dropped += value(m)
		default:
			s.dropped += value(m)
		}
	}
	s.positions = sum(fams["rtls_engine_positions_total"])
	s.busy = sum(fams["rtls_engine_busy_total"])
	kd, ok := fams["rtls_rfid_udp_kernel_drops_total"]
	s.kernelDrops, s.kernelKnown = sum(kd), ok
	s.rss = sum(fams["process_resident_memory_bytes"])
	s.cpu = sum(fams["process_cpu_seconds_total"])
	s.flushed = readHistogram(fams["rtls_pipeline_epoch_delay_seconds"], "flushed")
	s.events = readHistogram(fams["rtls_pipeline_epoch_delay_seconds"], "events")
	s.stored = readHistogram(fams["rtls_pipeline_epoch_delay_seconds"], "stored")
	return s
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func value(m *dto.Metric) float64 {
	return m.GetCounter().GetValue() + m.GetGauge().GetValue() + m.GetUntyped().GetValue()
}

func sum(f *dto.MetricFamily) float64 {
	var v float64
	for _, m := range f.GetMetric() {
		v += value(m)
	}
	return v
}

// delta is b - a per counter; a counter that went back (rtlsd restarted)
// counts from zero.
func delta(a, b serverSample) serverSample {
	d := func(x, y float64) float64 {
		if y < x {
			return y
		}
		return y - x
	}
	return serverSample{ok: a.ok && b.ok, late: d(a.late, b.late), dropped: d(a.dropped, b.dropped),
		positions: d(a.positions, b.positions), busy: d(a.busy, b.busy), kernelDrops: d(a.kernelDrops, b.kernelDrops),
		kernelKnown: a.kernelKnown && b.kernelKnown, rss: b.rss, cpu: d(a.cpu, b.cpu),
		flushed: b.flushed.since(a.flushed), events: b.events.since(a.events), stored: b.stored.since(a.stored)}
}

// metricsURL turns host:port into rtlsd's /metrics URL.
func metricsURL(addr string) string {
	if addr == "" {
		return ""
	}
	return fmt.Sprintf("http://%s/metrics", addr)
}

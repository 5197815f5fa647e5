package load

import (
	"context"
	"fmt"
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
}

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
		kernelKnown: a.kernelKnown && b.kernelKnown, rss: b.rss, cpu: d(a.cpu, b.cpu)}
}

// metricsURL turns host:port into rtlsd's /metrics URL.
func metricsURL(addr string) string {
	if addr == "" {
		return ""
	}
	return fmt.Sprintf("http://%s/metrics", addr)
}

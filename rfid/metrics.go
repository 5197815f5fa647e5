package rfid

import (
	"fmt"

	"github.com/plgd-dev/go-coap/v3/message/codes"
	"github.com/prometheus/client_golang/prometheus"
)

// Duplicate kinds, a metric label.
const (
	dupRetransmission = "retransmission" // same endpoint and message id, answered from the cache
	dupInFlight       = "in_flight"      // same endpoint and message id while the first is processed
	dupSeq            = "seq"            // same reader, seq and body as an accepted batch
)

// metrics are the ingest's Prometheus collectors.
type metrics struct {
	batches    *prometheus.CounterVec   // by result code
	accepted   prometheus.Counter       // sightings handed to the sink
	dropped    *prometheus.CounterVec   // sightings dropped, by reason
	duplicates *prometheus.CounterVec   // duplicates detected, by kind
	decode     *prometheus.HistogramVec // decode latency, by format
	entries    []prometheus.Collector   // dedupe cache sizes
}

func newMetrics(exchangeLen, seqLen func() int) *metrics {
	const ns, sub = "rtls", "rfid"
	m := &metrics{
		batches: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "batches_total", Help: "Sighting batches answered, by CoAP response code."}, []string{"code"}),
		accepted: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "sightings_accepted_total", Help: "Sightings handed to the location engine."}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "sightings_dropped_total", Help: "Invalid sightings dropped from good batches, by reason; battery_out_of_range counts battery fields dropped from sightings that are kept."}, []string{"reason"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "duplicates_total", Help: "Duplicate messages or batches answered without processing, by kind."}, []string{"kind"}),
		decode: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub,
			Name: "decode_seconds", Help: "Time to decode one batch body, by format.",
			Buckets: prometheus.ExponentialBuckets(1e-6, 4, 10)}, []string{"format"}),
	}
	m.entries = []prometheus.Collector{
		cacheGauge("exchange", exchangeLen), // answers kept for retransmitted messages
		cacheGauge("seq", seqLen),           // accepted (reader, seq) pairs
	}
	m.init()
	return m
}

func cacheGauge(name string, n func() int) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "rtls", Subsystem: "rfid",
		Name: "dedupe_entries", Help: "Entries in the dedupe caches, by cache.", ConstLabels: prometheus.Labels{"cache": name}},
		func() float64 { return float64(n()) })
}

// init creates the labelled series so they read 0 before the first event.
func (m *metrics) init() {
	for _, r := range dropReasonNames {
		m.dropped.WithLabelValues(r)
	}
	for _, k := range []string{dupRetransmission, dupInFlight, dupSeq} {
		m.duplicates.WithLabelValues(k)
	}
	for _, c := range []codes.Code{codes.Changed, codes.BadRequest, codes.NotFound, codes.ServiceUnavailable} {
		m.batches.WithLabelValues(codeString(c))
	}
	m.decode.WithLabelValues(formatJSON)
	m.decode.WithLabelValues(formatCBOR)
}

func (m *metrics) register(reg prometheus.Registerer) error {
	if reg == nil {
		return nil
	}
	all := append([]prometheus.Collector{m.batches, m.accepted, m.dropped, m.duplicates, m.decode}, m.entries...)
	for _, c := range all {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("rfid: cannot register metrics: %w", err)
		}
	}
	return nil
}

package rfid

import (
	"fmt"
	"log/slog"

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
	invalid    prometheus.Counter       // datagrams that are not CoAP messages
	behind     prometheus.Counter       // batches refused stale while the reading is saturated
	shed       prometheus.Counter       // batches refused before decoding (Shedder)
	sockets    *udpSockets              // kernel counters of the UDP listeners

	forbidden         *prometheus.CounterVec // batches naming another reader, by session reader
	rateLimited       *prometheus.CounterVec // batches refused 4.29, by reader and limit
	sessions          prometheus.Gauge       // open DTLS sessions
	sessionsIdle      prometheus.Counter     // DTLS sessions closed for idleness
	sessionsRevoked   prometheus.Counter     // DTLS sessions closed because a reload revoked their credential
	handshakeFailures *prometheus.CounterVec // DTLS handshakes refused by our callbacks, by reason
}

func newMetrics(exchangeLen, seqLen func() int, log *slog.Logger) *metrics {
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
	m.invalid = prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
		Name: "invalid_datagrams_total", Help: "Datagrams on plain CoAP listeners ignored because they are not CoAP messages (too short, wrong version, bad token length or options)."})
	m.behind = prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
		Name: "behind_refused_total", Help: "Batches answered 5.03 (Max-Age 1) because they arrived stale while every goroutine reading the plain UDP listeners was busy: rtlsd is behind (Config.StaleAfter)."})
	m.shed = prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
		Name: "shed_total", Help: "Batches answered 5.03 with Max-Age before they were decoded, because the sink would refuse them: its engine is behind (Shedder)."})
	m.sockets = newUDPSockets(log)
	m.forbidden = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
		Name: "forbidden_total", Help: "Batches answered 4.03 because they named another reader than the DTLS session's, by the session's reader."}, []string{"reader"})
	m.rateLimited = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
		Name: "rate_limited_total", Help: "Batches answered 4.29 Too Many Requests, by reader and limit (batches or sightings)."}, []string{"reader", "limit"})
	m.sessions = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub,
		Name: "dtls_sessions", Help: "Open DTLS sessions."})
	m.sessionsIdle = prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
		Name: "dtls_sessions_idle_closed_total", Help: "DTLS sessions closed after the idle timeout."})
	m.sessionsRevoked = prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
		Name: "dtls_sessions_revoked_total", Help: "DTLS sessions closed because reloaded credentials no longer accept their key or certificate."})
	m.handshakeFailures = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
		Name: "dtls_handshake_refused_total", Help: "DTLS handshakes refused for an unknown PSK identity or an unaccepted certificate, by reason."}, []string{"reason"})
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
	for _, r := range []string{"unknown_identity", "certificate"} {
		m.handshakeFailures.WithLabelValues(r)
	}
	m.decode.WithLabelValues(formatJSON)
	m.decode.WithLabelValues(formatCBOR)
}

func (m *metrics) register(reg prometheus.Registerer) error {
	if reg == nil {
		return nil
	}
	all := append([]prometheus.Collector{m.batches, m.accepted, m.dropped, m.duplicates, m.decode,
		m.invalid, m.behind, m.shed, m.sockets,
		m.forbidden, m.rateLimited, m.sessions, m.sessionsIdle, m.sessionsRevoked, m.handshakeFailures}, m.entries...)
	for _, c := range all {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("rfid: cannot register metrics: %w", err)
		}
	}
	return nil
}

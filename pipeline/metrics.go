package pipeline

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hospitalrtls/rtls/location"
)

// Metrics are the pipeline's Prometheus series.
type Metrics struct {
	sightings        *prometheus.CounterVec
	positions        prometheus.Counter
	events           prometheus.Counter
	tags             prometheus.Gauge
	busy             prometheus.Counter
	apply            prometheus.Histogram
	applyErrors      prometheus.Counter
	droppedPositions prometheus.Counter
	tagCap           prometheus.Gauge
	expired          prometheus.Counter
	backlogUpdates   prometheus.Gauge
	backlogAge       prometheus.Gauge
}

// NewMetrics registers the pipeline's metrics on reg (nil: unregistered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		sightings: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rtls_engine_sightings_total",
			Help: "Sightings offered to the location engine, by result."}, []string{"result"}),
		positions: prometheus.NewCounter(prometheus.CounterOpts{Name: "rtls_engine_positions_total",
			Help: "Positions computed by the engine."}),
		tags: prometheus.NewGauge(prometheus.GaugeOpts{Name: "rtls_engine_tags",
			Help: "Tags the engine tracks."}),
		busy: prometheus.NewCounter(prometheus.CounterOpts{Name: "rtls_engine_busy_total",
			Help: "Batches refused because the engine queue was full or the store backlog too old."}),
		apply: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "rtls_store_apply_seconds",
			Help: "Duration of one atomic store update.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		applyErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "rtls_store_apply_errors_total",
			Help: "Failed store updates (retried on the next tick)."}),
		events: prometheus.NewCounter(prometheus.CounterOpts{Name: "rtls_geofence_events_total",
			Help: "Geofence events written to the event stream."}),
		droppedPositions: prometheus.NewCounter(prometheus.CounterOpts{Name: "rtls_store_dropped_positions_total",
			Help: "Positions dropped from the retry backlog while the store was failing (events never are)."}),
		tagCap: prometheus.NewGauge(prometheus.GaugeOpts{Name: "rtls_engine_tag_cap_reached",
			Help: "1 while the engine tracks its maximum number of tags (sightings of new tags are dropped), else 0."}),
		expired: prometheus.NewCounter(prometheus.CounterOpts{Name: "rtls_store_expired_tags_total",
			Help: "Tags deleted from the store after the tag retention without a new position."}),
		backlogUpdates: prometheus.NewGauge(prometheus.GaugeOpts{Name: "rtls_store_backlog_updates",
			Help: "Updates waiting to be written to the store."}),
		backlogAge: prometheus.NewGauge(prometheus.GaugeOpts{Name: "rtls_store_backlog_age_seconds",
			Help: "Age of the oldest update waiting to be written to the store (0 when none waits)."}),
	}
	if reg != nil {
		reg.MustRegister(m.sightings, m.positions, m.events, m.tags, m.busy, m.apply, m.applyErrors, m.droppedPositions,
			m.tagCap, m.expired, m.backlogUpdates, m.backlogAge)
	}
	return m
}

// results names each engine outcome for the sightings counter.
var results = []struct {
	err  error
	name string
}{
	{location.ErrUnknownReader, "unknown_reader"},
	{location.ErrImpossibleRSSI, "impossible_rssi"},
	{location.ErrLate, "late"},
	{location.ErrDuplicate, "duplicate"},
	{location.ErrEmptyTag, "empty_tag"},
	{errTagCap, "tag_cap"},
	{errUnregistered, "unregistered_tag"},
	{errTagBudget, "tag_budget"},
}

func (m *Metrics) count(err error) {
	if err == nil {
		m.sightings.WithLabelValues("accepted").Inc()
		return
	}
	for _, r := range results {
		if errors.Is(err, r.err) {
			m.sightings.WithLabelValues(r.name).Inc()
			return
		}
	}
	m.sightings.WithLabelValues("other").Inc()
}

package pipeline

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hospitalrtls/rtls/location"
)

// Metrics are the pipeline's Prometheus series.
type Metrics struct {
	sightings          *prometheus.CounterVec
	positions          prometheus.Counter
	events             prometheus.Counter
	tags               prometheus.Gauge
	busy               prometheus.Counter
	apply              prometheus.Histogram
	applyErrors        prometheus.Counter
	coalescedPositions prometheus.Counter
	tagCap             prometheus.Gauge
	expired            prometheus.Counter
	backlogUpdates     prometheus.Gauge
	backlogBytes       prometheus.Gauge
	writtenUpdates     prometheus.Histogram
	ticks              prometheus.Counter
	queueBatches       prometheus.Gauge
	queueSightings     prometheus.Gauge
	refusedBatches     *prometheus.CounterVec
	refusedSightings   *prometheus.CounterVec
	expected           prometheus.Gauge
	held               prometheus.Gauge
	epochDelay         *prometheus.HistogramVec
	ahead              *prometheus.CounterVec
	// ages reads the age of the oldest queued batch and of the oldest
	// unwritten update, for the gauges computed at scrape time; set by New.
	ages atomic.Pointer[pipelineAges]
}

// pipelineAges reads the ages the scrape-time gauges report.
type pipelineAges struct {
	queue, backlog func() time.Duration
}

// age returns what f of the bound pipeline reports, 0 before New.
func (m *Metrics) age(f func(*pipelineAges) func() time.Duration) float64 {
	if a := m.ages.Load(); a != nil {
		return f(a)().Seconds()
	}
	return 0
}

// NewMetrics registers the pipeline's metrics on reg (nil: unregistered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		sightings: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rtls_engine_sightings_total",
			Help: "Sightings offered to the location engine, by result: accepted, or why they were dropped (late_on_arrival: already behind the finalised watermark when Ingest took them; late: behind a newer sighting of their tag by more than the lateness)."}, []string{"result"}),
		positions: prometheus.NewCounter(prometheus.CounterOpts{Name: "rtls_engine_positions_total",
			Help: "Positions computed by the engine."}),
		tags: prometheus.NewGauge(prometheus.GaugeOpts{Name: "rtls_engine_tags",
			Help: "Tags the engine tracks."}),
		busy: prometheus.NewCounter(prometheus.CounterOpts{Name: "rtls_engine_busy_total",
			Help: "Batches refused with ErrBusy, all causes (see rtls_pipeline_refused_batches_total)."}),
		apply: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "rtls_store_apply_seconds",
			Help: "Duration of one atomic store update.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		applyErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "rtls_store_apply_errors_total",
			Help: "Failed store updates (retried on the next tick)."}),
		events: prometheus.NewCounter(prometheus.CounterOpts{Name: "rtls_geofence_events_total",
			Help: "Geofence events written to the event stream."}),
		coalescedPositions: prometheus.NewCounter(prometheus.CounterOpts{Name: "rtls_store_coalesced_positions_total",
			Help: "Positions replaced by a newer position of their tag before they were written (only the newest is live state; trail points and events are never coalesced)."}),
		tagCap: prometheus.NewGauge(prometheus.GaugeOpts{Name: "rtls_engine_tag_cap_reached",
			Help: "1 while the engine tracks its maximum number of tags (sightings of new tags are dropped), else 0."}),
		expired: prometheus.NewCounter(prometheus.CounterOpts{Name: "rtls_store_expired_tags_total",
			Help: "Tags deleted from the store after the tag retention without a new position."}),
		backlogUpdates: prometheus.NewGauge(prometheus.GaugeOpts{Name: "rtls_store_backlog_updates",
			Help: "Pipeline updates (about one a tick) waiting to be written to the store."}),
		backlogBytes: prometheus.NewGauge(prometheus.GaugeOpts{Name: "rtls_store_backlog_bytes",
			Help: "Estimated size of the updates waiting to be written to the store."}),
		writtenUpdates: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "rtls_store_write_updates",
			Help: "Pipeline updates merged into one store write (1 while the store keeps up).", Buckets: prometheus.ExponentialBuckets(1, 2, 10)}),
		ticks: prometheus.NewCounter(prometheus.CounterOpts{Name: "rtls_pipeline_ticks_total",
			Help: "Ticks whose update the geofence stage handed to the store writer (flat: the engine or geofence stage is stuck)."}),
		queueBatches: prometheus.NewGauge(prometheus.GaugeOpts{Name: "rtls_pipeline_queue_batches",
			Help: "Batches accepted and waiting for the engine."}),
		queueSightings: prometheus.NewGauge(prometheus.GaugeOpts{Name: "rtls_pipeline_queue_sightings",
			Help: "Sightings accepted and waiting for the engine."}),
		refusedBatches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rtls_pipeline_refused_batches_total",
			Help: "Batches refused with ErrBusy (the reader gets 5.03 with Max-Age and retries), by cause."}, []string{"cause"}),
		refusedSightings: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rtls_pipeline_refused_sightings_total",
			Help: "Sightings in batches refused with ErrBusy, by cause."}, []string{"cause"}),
		expected: prometheus.NewGauge(prometheus.GaugeOpts{Name: "rtls_pipeline_expected_sources",
			Help: "Readers whose refused batches are expected back (and the ingest log while unreadable): the engine holds its finalisation for them."}),
		ahead: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rtls_engine_ahead_epochs_total",
			Help: "Tags' epochs the engine computed ahead, the tick before they fell due (computed), and those of them a sighting arriving afterwards for the epoch made it compute again when due (discarded)."}, []string{"result"}),
		held: prometheus.NewGauge(prometheus.GaugeOpts{Name: "rtls_pipeline_hold_seconds",
			Help: "How far the engine's finalisation is held behind the wall clock's watermark for expected sightings (0: not held)."}),
	}
	m.epochDelay = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "rtls_pipeline_epoch_delay_seconds",
		Help:    "How long after an epoch fell due (the wall clock's watermark, now minus the lateness, passed its end) its positions were computed (stage flushed), its events written to the store (events; before the other tags' positions) and all of it written (stored): events is the event latency beyond the lateness that the server adds.",
		Buckets: epochDelayBuckets}, []string{"stage"})
	queueAge := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rtls_pipeline_queue_oldest_age_seconds",
		Help: "Age of the oldest batch waiting for the engine (0 when none waits)."},
		func() float64 { return m.age(func(a *pipelineAges) func() time.Duration { return a.queue }) })
	backlogAge := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rtls_store_backlog_age_seconds",
		Help: "Age of the oldest update waiting to be written to the store (0 when none waits)."},
		func() float64 { return m.age(func(a *pipelineAges) func() time.Duration { return a.backlog }) })
	if reg != nil {
		reg.MustRegister(m.sightings, m.positions, m.events, m.tags, m.busy, m.apply, m.applyErrors, m.coalescedPositions,
			m.tagCap, m.expired, m.backlogUpdates, m.backlogBytes, m.writtenUpdates, m.ticks, m.queueBatches, m.queueSightings,
			m.refusedBatches, m.refusedSightings, m.expected, m.held, m.epochDelay, m.ahead, queueAge, backlogAge)
	}
	return m
}

// epochDelayBuckets resolve the epoch delay around the event latency's
// target (150 ms beyond the lateness) and up to a few seconds behind.
var epochDelayBuckets = []float64{0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1, 1.5, 2, 3, 5, 10}

// results names each engine outcome for the sightings counter.
var results = []struct {
	err  error
	name string
}{
	{location.ErrUnknownReader, "unknown_reader"},
	{location.ErrImpossibleRSSI, "impossible_rssi"},
	{errLateOnArrival, "late_on_arrival"},
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

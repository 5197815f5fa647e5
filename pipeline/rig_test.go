package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/sim"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/pipeline"
)

const clinicPlan = "../floorplans/testdata/synthetic-clinic.geojson"

// waitFor bounds every wait of these tests.
const waitFor = 20 * time.Second

// shutdownBudget is the rig's: ten times what the store that comes back
// in TestShutdownWritesBacklog needs (20 retries, one per 5 ms tick),
// shorter than rtlsd's 5 s so that the store-down-for-good case does not
// wait longer than it must.
const shutdownBudget = 2 * time.Second

// rig is a running pipeline over the clinic with a fixed wall clock well
// before the sightings it is fed, so that the engine finalises epochs by
// the sightings' own time, never by the clock.
type rig struct {
	t     *testing.T
	p     *pipeline.Pipeline
	w     *faultyWriter
	reg   *prometheus.Registry
	plan  *floorplans.Plan
	sim   *sim.Scripted
	base  int64 // event time of second 0 of the scripts
	fed   int   // sightings handed to Ingest
	stop  context.CancelFunc
	done  chan error
	ended bool
}

func newRig(t *testing.T) *rig {
	t.Helper()
	return newRigOn(t, newFaultyWriter(t), 0)
}

// newRigOn is newRig writing through w, each write bounded by
// writeTimeout (0: the pipeline's default).
func newRigOn(t *testing.T, w *faultyWriter, writeTimeout time.Duration) *rig {
	t.Helper()
	plan, eng, fence := clinicEngines(t, geofence.Config{Debounce: 2 * time.Second}, nil)
	base := int64(1_700_000_000_000)
	sc, err := sim.NewScripted(plan)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, w: w, reg: prometheus.NewRegistry(), plan: plan,
		sim: sc, base: base, done: make(chan error, 1)}
	clock := func() time.Time { return time.UnixMilli(base - 10_000) }
	r.p = pipeline.New(pipeline.Config{Tick: 5 * time.Millisecond, Clock: clock, ShutdownBudget: shutdownBudget,
		WriteTimeout: writeTimeout},
		eng, fence, r.w, pipeline.NewMetrics(r.reg))
	ctx, cancel := context.WithCancel(context.Background())
	r.stop = cancel
	go func() { r.done <- r.p.Run(ctx) }()
	t.Cleanup(func() { r.shutdown() })
	return r
}

// shutdown stops the pipeline and returns Run's result (once).
func (r *rig) shutdown() error {
	if r.ended {
		return nil
	}
	r.ended = true
	r.stop()
	return <-r.done
}

// feed ingests seconds [from, to) of a script, one batch per reader per
// second, and waits until the engine took every sighting.
func (r *rig) feed(sc map[string][]sim.Step, from, to int) {
	r.t.Helper()
	for i := from; i < to; i++ {
		var placed []sim.Placed
		for tag, steps := range sc {
			if i < len(steps) {
				placed = append(placed, sim.Placed{Tag: tag, Step: steps[i]})
			}
		}
		for _, b := range r.sim.Batches(r.base+int64(i)*1000+100, placed) {
			ss := make([]location.Sighting, len(b.Sightings))
			for j, ws := range b.Sightings {
				ss[j] = location.Sighting{TS: ws.TS, Reader: b.Reader, Tag: ws.Tag, RSSI: ws.RSSI}
			}
			if _, err := r.p.Ingest(context.Background(), ss); err != nil {
				r.t.Fatal(err)
			}
			r.fed += len(ss)
		}
	}
	r.eventually("the engine takes every sighting", func() bool { return r.sightings() == r.fed })
}

// settle waits until the geofence stage has handed the writer the
// updates of two whole ticks since the call: the second began after the
// call, so it carries what the engine computed from the sightings fed so
// far.
func (r *rig) settle() {
	r.t.Helper()
	n := r.metric("rtls_pipeline_ticks_total")
	r.eventually("two ticks", func() bool { return r.metric("rtls_pipeline_ticks_total") >= n+2 })
}

// sightings counts the sightings the engine was offered.
func (r *rig) sightings() int { return int(r.metric("rtls_engine_sightings_total")) }

// metric sums the series of a metric.
func (r *rig) metric(name string) float64 { return sumMetric(r.t, r.reg, name, "", "") }

// sumMetric sums the series of the metric name in reg whose label has the
// value given (label "": every series).
func sumMetric(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	n := 0.0
	for _, m := range series(t, reg, name, label, value) {
		n += m.GetCounter().GetValue() + m.GetGauge().GetValue()
	}
	return n
}

// series returns the series of the metric name in reg whose label has the
// value given (label "": every series).
func series(t *testing.T, reg *prometheus.Registry, name, label, value string) []*dto.Metric {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []*dto.Metric
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			match := label == ""
			for _, l := range m.GetLabel() {
				match = match || (l.GetName() == label && l.GetValue() == value)
			}
			if match {
				out = append(out, m)
			}
		}
	}
	return out
}

// eventually polls cond until it holds, failing the test after waitFor.
func (r *rig) eventually(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// metricWith sums the series of a metric whose label has the value given.
func (r *rig) metricWith(name, label, value string) float64 {
	return sumMetric(r.t, r.reg, name, label, value)
}

// storedEvents returns the event stream of the store.
func (r *rig) storedEvents() []geofence.Event {
	r.t.Helper()
	evs, err := r.w.st.ReadEvents(context.Background(), "0", 1000, 0)
	if err != nil {
		r.t.Fatal(err)
	}
	return evs
}

// walkS02toS05 is a script: a stay in S02, the walk to S05 through the
// corridor and a stay there.
func walkS02toS05(t *testing.T, plan *floorplans.Plan, tag string) map[string][]sim.Step {
	t.Helper()
	sc, err := sim.NewScripted(plan)
	if err != nil {
		t.Fatal(err)
	}
	var steps []sim.Step
	for _, part := range []func() ([]sim.Step, error){
		func() ([]sim.Step, error) { return sc.Stay("L0-S02", 8) },
		func() ([]sim.Step, error) { return sc.Walk("L0-S02", "L0-S05") },
		func() ([]sim.Step, error) { return sc.Stay("L0-S05", 8) },
	} {
		s, err := part()
		if err != nil {
			t.Fatal(err)
		}
		steps = append(steps, s...)
	}
	return map[string][]sim.Step{tag: steps}
}

// walkEvents is what walkS02toS05 yields.
const walkEvents = "ENTER L0-S02, EXIT L0-S02, ENTER L0-COR, EXIT L0-COR, ENTER L0-S05"

// describe renders events as "ENTER L0-S02, EXIT L0-S02".
func describe(evs []geofence.Event) string {
	var b bytes.Buffer
	for i, e := range evs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(e.Type) + " " + e.Zone)
	}
	return b.String()
}

// clinicEngines builds the location engine (default configuration) and
// the geofence engine (fcfg, registry reg; nil for none) on the synthetic
// clinic.
func clinicEngines(t *testing.T, fcfg geofence.Config, reg *geofence.Registry) (*floorplans.Plan, *location.Engine, *geofence.Engine) {
	t.Helper()
	plan, err := floorplans.LoadFile(clinicPlan)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := location.New(plan, location.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	fence, err := geofence.New(plan, fcfg, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	return plan, eng, fence
}

// errLateTaken reports sightings Ingest did not take as late, where a
// test expects every one taken.
var errLateTaken = errors.New("sightings not taken as late")

// ingestAll is Ingest for tests that expect every sighting taken.
func ingestAll(p *pipeline.Pipeline, ss []location.Sighting) error {
	late, err := p.Ingest(context.Background(), ss)
	if err == nil && late > 0 {
		err = fmt.Errorf("%d %w", late, errLateTaken)
	}
	return err
}

package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/internal/sim"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/pipeline"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

// manualClock is a wall clock the test moves.
type manualClock struct {
	mu  sync.Mutex // guards now
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// policyRig is a running pipeline over the clinic with a tag policy and a
// clock the test sets.
type policyRig struct {
	t     *testing.T
	p     *pipeline.Pipeline
	w     *faultyWriter
	reg   *prometheus.Registry
	plan  *floorplans.Plan
	clock *manualClock
	logs  *lockedBuffer
	fed   int
}

// lockedBuffer is a log sink safe for the pipeline's goroutine and the test.
type lockedBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newPolicyRig(t *testing.T, policy pipeline.TagPolicy, registry []string) *policyRig {
	t.Helper()
	return newPolicyRigOn(t, policy, registry, newFaultyWriter(t))
}

// newPolicyRigOn is newPolicyRig writing through w.
func newPolicyRigOn(t *testing.T, policy pipeline.TagPolicy, registry []string, w *faultyWriter) *policyRig {
	t.Helper()
	plan, err := floorplans.LoadFile(clinicPlan)
	if err != nil {
		t.Fatal(err)
	}
	cfg := location.Defaults()
	cfg.EvictAfterMS = 120_000
	eng, err := location.New(plan, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var tags []geofence.Tag
	for _, id := range registry {
		tags = append(tags, geofence.Tag{ID: id, Class: "asset"})
	}
	reg, err := geofence.NewRegistry(tags)
	if err != nil {
		t.Fatal(err)
	}
	fence, err := geofence.New(plan, geofence.Config{Debounce: 2 * time.Second}, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	r := &policyRig{t: t, w: w, reg: prometheus.NewRegistry(), plan: plan,
		clock: &manualClock{now: time.UnixMilli(floodBase - 10_000)}, logs: &lockedBuffer{}}
	r.p = pipeline.New(pipeline.Config{Tick: 5 * time.Millisecond, Clock: r.clock.Now, Tags: policy,
		Logger: slog.New(slog.NewTextHandler(r.logs, nil))},
		eng, fence, r.w, pipeline.NewMetrics(r.reg))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.p.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

const floodBase = int64(1_700_000_000_000)

// flood posts one sighting each of tags PREFIX-00000... from reader, in
// batches of 100, and waits until the engine was offered all of them.
func (r *policyRig) flood(reader, prefix string, n int) {
	r.t.Helper()
	for i := 0; i < n; i += 100 {
		var ss []location.Sighting
		for j := i; j < min(n, i+100); j++ {
			ss = append(ss, location.Sighting{TS: floodBase + int64(j), Reader: reader, Tag: fmt.Sprintf("%s-%05d", prefix, j), RSSI: -60})
		}
		if _, err := r.p.Ingest(context.Background(), ss); err != nil {
			r.t.Fatal(err)
		}
		r.fed += len(ss)
	}
	r.waitUntil("the engine is offered every sighting", func() bool { return int(r.metric("rtls_engine_sightings_total", "")) == r.fed })
}

// metric sums a metric's series whose result label is result ("" for all).
func (r *policyRig) metric(name, result string) float64 {
	if result == "" {
		return sumMetric(r.t, r.reg, name, "", "")
	}
	return sumMetric(r.t, r.reg, name, "result", result)
}

func (r *policyRig) waitUntil(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestTagFloodIsCapped(t *testing.T) {
	cases := []struct {
		name     string
		policy   pipeline.TagPolicy
		registry []string
		floods   []struct{ reader, prefix string }
		tracked  int
		refused  map[string]int
	}{
		{name: "cap", policy: pipeline.TagPolicy{MaxTags: 300},
			floods:  []struct{ reader, prefix string }{{"R-L0-S03", "FLOOD"}},
			tracked: 300, refused: map[string]int{"tag_cap": 4700}},
		{name: "budget per reader", policy: pipeline.TagPolicy{Mode: pipeline.TagsBudget, NewPerMinute: 50},
			floods:  []struct{ reader, prefix string }{{"R-L0-S03", "FLOOD"}, {"R-L0-S02", "OTHER"}},
			tracked: 100, refused: map[string]int{"tag_budget": 9900}},
		{name: "registered only", policy: pipeline.TagPolicy{Mode: pipeline.TagsRegistered},
			registry: []string{"FLOOD-00007", "FLOOD-04999", "PUMP-001"},
			floods:   []struct{ reader, prefix string }{{"R-L0-S03", "FLOOD"}},
			tracked:  2, refused: map[string]int{"unregistered_tag": 4998}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newPolicyRig(t, c.policy, c.registry)
			for _, f := range c.floods {
				r.flood(f.reader, f.prefix, 5000)
			}
			r.waitUntil("the tags gauge is set", func() bool { return int(r.metric("rtls_engine_tags", "")) == c.tracked })
			if got := int(r.metric("rtls_engine_sightings_total", "accepted")); got != c.tracked {
				t.Errorf("accepted %d sightings, want %d (one per tracked tag)", got, c.tracked)
			}
			for reason, want := range c.refused {
				if got := int(r.metric("rtls_engine_sightings_total", reason)); got != want {
					t.Errorf("refused for %s: %d, want %d", reason, got, want)
				}
			}
		})
	}
}

func TestTagBudgetRefillsWithTheClock(t *testing.T) {
	r := newPolicyRig(t, pipeline.TagPolicy{Mode: pipeline.TagsBudget, NewPerMinute: 10}, nil)
	r.flood("R-L0-S03", "A", 100)
	r.clock.set(r.clock.Now().Add(30 * time.Second)) // half a minute: 5 more
	r.flood("R-L0-S03", "B", 100)
	if got := int(r.metric("rtls_engine_sightings_total", "accepted")); got != 15 {
		t.Errorf("accepted %d new tags, want 10 + 5", got)
	}
}

func TestCapReachedMetric(t *testing.T) {
	r := newPolicyRig(t, pipeline.TagPolicy{MaxTags: 10}, nil)
	r.flood("R-L0-S03", "A", 9)
	if r.metric("rtls_engine_tag_cap_reached", "") != 0 {
		t.Fatal("cap reported reached below it")
	}
	r.flood("R-L0-S03", "B", 5)
	r.waitUntil("the cap is reported", func() bool { return r.metric("rtls_engine_tag_cap_reached", "") == 1 })
	r.flood("R-L0-S03", "C", 50)
	logs := r.logs.String()
	if n := strings.Count(logs, "tracked tag cap reached"); n != 1 {
		t.Errorf("cap logged %d times, want once:\n%s", n, logs)
	}
	if strings.Contains(logs, "A-0") || strings.Contains(logs, "B-0") || strings.Contains(logs, "C-0") {
		t.Errorf("a tag id in the logs:\n%s", logs)
	}
}

// TestUnrefreshedTagsExpire stays a pump in L0-S02 for 8 s, then lets
// the watermark pass the retention: the engine and the store forget it,
// and so does the geofence: its stay ends with EXIT (trigger expired),
// its visit is closed at its last position, and its state part is
// deleted from the store, in memory and in a real redis-server.
func TestUnrefreshedTagsExpire(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T) *faultyWriter
	}{
		{"memstore", newFaultyWriter},
		{"redis", func(t *testing.T) *faultyWriter {
			rs := redistest.StartServer(t)
			st, err := redisstore.New(context.Background(), redisstore.Options{URL: rs.URL(), Site: "expiry"})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return &faultyWriter{st: st}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { testUnrefreshedTagsExpire(t, tc.open(t)) })
	}
}

func testUnrefreshedTagsExpire(t *testing.T, w *faultyWriter) {
	r := newPolicyRigOn(t, pipeline.TagPolicy{}, nil, w)
	sc, err := sim.NewScripted(r.plan)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := sc.Stay("L0-S02", 8)
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range steps {
		for _, batch := range sc.Batches(floodBase+int64(i)*1000+100, []sim.Placed{{Tag: "PUMP-001", Step: st}}) {
			ss := make([]location.Sighting, len(batch.Sightings))
			for j, ws := range batch.Sightings {
				ss[j] = location.Sighting{TS: ws.TS, Reader: batch.Reader, Tag: ws.Tag, RSSI: ws.RSSI, Seq: batch.Seq}
			}
			if _, err := r.p.Ingest(context.Background(), ss); err != nil {
				t.Fatal(err)
			}
			r.fed += len(ss)
		}
	}
	r.waitUntil("the engine is offered every sighting", func() bool { return int(r.metric("rtls_engine_sightings_total", "")) == r.fed })
	// The watermark passes every sighting: the tag's last position is stored.
	ctx := context.Background()
	last := floodBase + int64(len(steps)-1)*1000
	r.clock.set(time.UnixMilli(floodBase + 20_000))
	r.waitUntil("the tag's last position is stored, its visit open", func() bool {
		p, err := r.w.st.GetPosition(ctx, "PUMP-001")
		return err == nil && p.TS >= last && openVisits(t, r.w.st, "PUMP-001") == 1
	})
	if _, ok := fenceParts(t, r.w.st)["PUMP-001"]; !ok {
		t.Fatal("no geofence state stored for the tag before its expiry")
	}
	// Past the retention (120 s of event time), the engine and the store forget it.
	r.clock.set(time.UnixMilli(floodBase + 10*60_000))
	r.waitUntil("the tag expires from the store", func() bool {
		_, err := r.w.st.GetPosition(ctx, "PUMP-001")
		return errors.Is(err, store.ErrNotFound)
	})
	r.waitUntil("the engine forgets it", func() bool { return r.metric("rtls_engine_tags", "") == 0 })
	if got := r.metric("rtls_store_expired_tags_total", ""); got != 1 {
		t.Errorf("expired tags counter %v, want 1", got)
	}
	r.waitUntil("the geofence state is deleted", func() bool {
		_, ok := fenceParts(t, r.w.st)["PUMP-001"]
		return !ok
	})
	if n := openVisits(t, r.w.st, "PUMP-001"); n != 0 {
		t.Errorf("%d open visits after expiry, want 0", n)
	}
	evs, err := r.w.st.ReadEvents(ctx, "0", 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	var closing []string
	for _, ev := range evs {
		if ev.Type == geofence.Exit {
			closing = append(closing, ev.Zone+" "+ev.Trigger)
		}
	}
	if len(closing) != 1 || closing[0] != "L0-S02 expired" {
		t.Errorf("EXIT events %q, want [L0-S02 expired]", closing)
	}
}

// fenceParts returns the geofence state parts st holds.
func fenceParts(t *testing.T, st store.Store) map[string][]byte {
	t.Helper()
	parts, err := st.LoadFence(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return parts
}

// openVisits counts the open visits of tag's trail in st.
func openVisits(t *testing.T, st store.Store, tag string) int {
	t.Helper()
	page, err := st.GetTrail(context.Background(), store.TrailQuery{Tag: tag, FromTS: 0, ToTS: math.MaxInt64})
	if errors.Is(err, store.ErrNotFound) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, v := range page.Visits {
		if v.Open() {
			n++
		}
	}
	return n
}

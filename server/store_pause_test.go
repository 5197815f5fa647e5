package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plgd-dev/go-coap/v3/message"
	coapcodes "github.com/plgd-dev/go-coap/v3/message/codes"
	"github.com/plgd-dev/go-coap/v3/net/blockwise"
	"github.com/plgd-dev/go-coap/v3/options"
	"github.com/plgd-dev/go-coap/v3/udp"
	dto "github.com/prometheus/client_model/go"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/internal/sim"
	"github.com/hospitalrtls/rtls/rfid"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

// Redis SIGSTOP run: pauseTags tags walk between rooms for pauseScript
// seconds of script, played at one second per wall second; Redis is
// stopped pauseAfter into the feed for pauseFor. RTLS_SIGSTOP_TAGS sets
// another number of tags for a measurement at the load (200 tags:
// about 3,500 sightings/s).
const (
	pauseScript = 40
	pauseAfter  = 5 * time.Second
	pauseFor    = 30 * time.Second
)

// pauseRun is a script and its feed to one rtlsd.
type pauseRun struct {
	s    *Server
	stop func()
	clk  *testClock
	sc   script
	f    *feeder
}

// pauseScriptFor is the script of the SIGSTOP test: tag i stays in a south
// room, walks to a north room, and stays there to the end.
func pauseScriptFor(t *testing.T, plan *floorplans.Plan) script {
	t.Helper()
	sc := script{}
	pauseTags := 24
	if n, err := strconv.Atoi(os.Getenv("RTLS_SIGSTOP_TAGS")); err == nil && n > 0 {
		pauseTags = n
	}
	for i := range pauseTags {
		tag := fmt.Sprintf("SIG-%03d", i)
		from, to := fmt.Sprintf("L0-S%02d", i%8), fmt.Sprintf("L0-N%02d", (i*3)%8)
		sc.stay(t, plan, tag, from, 4+i%6)
		sc.walk(t, plan, tag, from, to)
		if n := pauseScript - len(sc[tag]); n < 6 {
			t.Fatalf("walk %s → %s leaves %d s to stay; want at least 6", from, to, n)
		}
		sc.stay(t, plan, tag, to, pauseScript-len(sc[tag]))
	}
	return sc
}

// startPauseRun starts rtlsd (a testClock that stands still until the
// test moves it) against a fresh redis-server.
func startPauseRun(t *testing.T, plan *floorplans.Plan, sc script) (*pauseRun, *redistest.Server) {
	t.Helper()
	rs := redistest.StartServer(t)
	cfg := eventsConfig(rs.URL(), 2*time.Second)
	clk := newTestClock()
	cfg.Clock, cfg.Site = clk.Now, "sigstop"
	s, stop := startWith(t, cfg)
	return &pauseRun{s: s, stop: stop, clk: clk, sc: sc, f: newFeeder(t, s, plan)}, rs
}

// settle moves the clock past every script second (the engine finalises
// all epochs, the geofence ends its debounce) and waits until every tag's
// stored position is that of the script's last second; it returns the
// positions' times and every tag's events ("TYPE zone", in order).
func (r *pauseRun) settle(t *testing.T, rs *redistest.Server) (map[string]int64, map[string]string) {
	t.Helper()
	st, err := redisstore.New(context.Background(), redisstore.Options{URL: rs.URL(), Site: "sigstop"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	last := r.f.epoch(pauseScript - 1)
	pos := map[string]int64{}
	deadline := time.Now().Add(eventTimeout)
	for {
		r.clk.advance(t, 10*time.Second)
		done := true
		for tag := range r.sc {
			p, err := st.GetPosition(context.Background(), tag)
			pos[tag] = p.TS
			if err != nil || p.TS < last {
				done = false
			}
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("positions not up to the script's last second (%d) within %s: %v", last, eventTimeout, pos)
		}
	}
	// the geofence's debounce runs on later ticks: two more moves
	r.clk.advance(t, 10*time.Second)
	r.clk.advance(t, 10*time.Second)
	cc := dial(t, r.s)
	evs := map[string]string{}
	for tag := range r.sc {
		evs[tag] = describe(listAll(t, cc, tagFilter(tag)))
	}
	return pos, evs
}

// pauseTally counts the readers' outcomes.
type pauseTally struct {
	mu        sync.Mutex       // guards the fields below
	acked     int              // batches answered 2.04
	ackedS    int              // their sightings
	unavail   int              // batches answered 5.03
	noMaxAge  int              // 5.03 without a Max-Age
	other     int              // other answers and errors
	lastAcked map[string]int64 // per tag, the newest stamp acknowledged
	// firstAfter is, per reader, when its first batch was acknowledged
	// after Redis was continued
	firstAfter map[string]time.Time
}

// post plays one reader: it posts the batches of q in order over its own
// CoAP connection, keeps a batch answered 5.03 and posts it again after
// its Max-Age (one that got no answer, after a second), and counts the
// outcomes.
func (pt *pauseTally) post(ctx context.Context, t *testing.T, addr string, q <-chan rfid.Batch, continued func() bool) {
	co, err := udp.Dial(addr, options.WithBlockwise(false, blockwise.SZX1024, time.Second)) // a batch is one datagram, as from sim.Sender
	if err != nil {
		t.Error(err)
		return
	}
	defer co.Close()
	for b := range q {
		body, err := json.Marshal(b)
		if err != nil {
			t.Error(err)
			return
		}
		for ctx.Err() == nil {
			rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			resp, err := co.Post(rctx, rfid.SightingsPath, message.AppJSON, bytes.NewReader(body))
			cancel()
			wait := time.Second
			pt.mu.Lock()
			switch {
			case err != nil:
				pt.other++
				if pt.other <= 5 {
					t.Logf("%s: %v", b.Reader, err)
				}
			case resp.Code() == coapcodes.Changed:
				pt.acked++
				pt.ackedS += len(b.Sightings)
				for _, s := range b.Sightings {
					pt.lastAcked[s.Tag] = max(pt.lastAcked[s.Tag], s.TS)
				}
				if _, ok := pt.firstAfter[b.Reader]; !ok && continued() {
					pt.firstAfter[b.Reader] = time.Now()
				}
				wait = 0
			case resp.Code() == coapcodes.ServiceUnavailable:
				pt.unavail++
				if age, err := resp.Options().GetUint32(message.MaxAge); err == nil && age > 0 {
					wait = time.Duration(age) * time.Second
				} else {
					pt.noMaxAge++
				}
			default:
				pt.other++
				if pt.other <= 5 {
					t.Logf("%s: answer %v", b.Reader, resp.Code())
				}
			}
			pt.mu.Unlock()
			if wait == 0 {
				break
			}
			sleep(ctx, wait)
		}
	}
}

// metricValues returns the sum over labels of the named gauges and
// counters of s.
func metricValues(t *testing.T, s *Server, names ...string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, n := range names {
		for _, m := range series(t, s, n) {
			out[n] += m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	return out
}

// engineSightings returns rtls_engine_sightings_total by result.
func engineSightings(t *testing.T, s *Server) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, m := range series(t, s, "rtls_engine_sightings_total") {
		for _, l := range m.GetLabel() {
			out[l.GetValue()] += m.GetCounter().GetValue()
		}
	}
	return out
}

// series returns the series of metric name of s (none when absent).
func series(t *testing.T, s *Server, name string) []*dto.Metric {
	t.Helper()
	mfs, err := s.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()
		}
	}
	return nil
}

// heapMiB returns the test process's live heap after a collection.
func heapMiB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

// rssMiB returns the test process's resident set (VmRSS), 0 where /proc
// does not say.
func rssMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if kb, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(kb), " kB"), 64)
			return n / 1024
		}
	}
	return 0
}

// TestRedisSIGSTOPUnderLoad: 24 tags walking between rooms, heard by the
// clinic's readers once a second and posted over real CoAP by readers that
// keep a batch answered 5.03 and retry it after its Max-Age, in order.
// Redis is stopped (SIGSTOP) for 30 s of wall time in the middle, then
// continued. Every sighting acknowledged with 2.04 is processed, none
// dropped as late: each tag's stored position reaches the script's last
// second as in a reference run of the same script without the pause, and
// its events start and end in the reference's rooms, none twice (a
// corridor pass may differ, see the check). Event time comes
// from the script and the server's clock stands still until the feed is
// over, so the outcome does not depend on how fast the machine runs; the
// pause itself is wall time.
func TestRedisSIGSTOPUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("stops Redis for 30 s")
	}
	t.Parallel()
	plan := loadClinic(t)
	sc := pauseScriptFor(t, plan)

	run, rs := startPauseRun(t, plan, sc)
	heapBefore, rssBefore := heapMiB(), rssMiB()
	pt := &pauseTally{lastAcked: map[string]int64{}, firstAfter: map[string]time.Time{}}
	var pausedMu sync.Mutex
	var continuedAt time.Time // SIGCONT
	continued := func() bool {
		pausedMu.Lock()
		defer pausedMu.Unlock()
		return !continuedAt.IsZero()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	readers := map[string]chan rfid.Batch{}
	var rwg sync.WaitGroup
	addr := run.s.CoAPAddr().String()
	lane := func(id string) chan rfid.Batch {
		q, ok := readers[id]
		if !ok {
			q = make(chan rfid.Batch, pauseScript*4)
			readers[id] = q
			rwg.Add(1)
			go func() { defer rwg.Done(); pt.post(ctx, t, addr, q, continued) }()
		}
		return q
	}

	// backlog and refusals, sampled while the feed runs
	var peakBytes, peakAge, peakUpdates float64
	sampled := make(chan struct{})
	sctx, stopSampling := context.WithCancel(ctx)
	go func() {
		defer close(sampled)
		for sctx.Err() == nil {
			m := metricValues(t, run.s, "rtls_store_backlog_bytes", "rtls_store_backlog_age_seconds", "rtls_store_backlog_updates")
			peakBytes = max(peakBytes, m["rtls_store_backlog_bytes"])
			peakAge = max(peakAge, m["rtls_store_backlog_age_seconds"])
			peakUpdates = max(peakUpdates, m["rtls_store_backlog_updates"])
			sleep(sctx, 100*time.Millisecond)
		}
	}()

	start := time.Now()
	resumed := make(chan struct{})
	go func() {
		defer close(resumed)
		sleep(ctx, pauseAfter)
		rs.Pause()
		sleep(ctx, pauseFor)
		rs.Resume()
		pausedMu.Lock()
		continuedAt = time.Now()
		pausedMu.Unlock()
	}()
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		for i := range pauseScript {
			var placed []sim.Placed
			for tag, steps := range sc {
				placed = append(placed, sim.Placed{Tag: tag, Step: steps[i]})
			}
			slices.SortFunc(placed, func(a, b sim.Placed) int { return strings.Compare(a.Tag, b.Tag) })
			for _, b := range run.f.sim.Batches(run.f.base+int64(i)*1000+100, placed) {
				lane(b.Reader) <- b
			}
			sleep(ctx, time.Until(start.Add(time.Duration(i+1)*time.Second)))
		}
	}()

	// meanwhile the reference: the same script at once, Redis never stopped
	ref, rrs := startPauseRun(t, plan, sc)
	ref.f.play(sc, 0, pauseScript)
	refPos, refEvs := ref.settle(t, rrs)
	refSightings := engineSightings(t, ref.s)
	ref.stop()

	<-fed
	<-resumed
	fedAt := time.Now()
	for _, q := range readers {
		close(q)
	}
	rwg.Wait()
	drained := time.Since(fedAt)
	pos, evs := run.settle(t, rs)
	stopSampling()
	<-sampled
	heapAfter, rssAfter := heapMiB(), rssMiB()

	pt.mu.Lock()
	defer pt.mu.Unlock()
	m := metricValues(t, run.s, "rtls_engine_takeovers_total", "rtls_ingest_log_refused_total", "rtls_pipeline_refused_batches_total")
	es := engineSightings(t, run.s)
	t.Logf("readers: %d batches (%d sightings) answered 2.04, %d answered 5.03 (%d without Max-Age), %d other answers or no answer; %d readers",
		pt.acked, pt.ackedS, pt.unavail, pt.noMaxAge, pt.other, len(readers))
	t.Logf("Redis stopped %s after the feed began, for %s; readers' queues drained %s after the feed's last second; feed and recovery took %s",
		pauseAfter, pauseFor, drained.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	t.Logf("backlog peak: %.0f bytes, %.0f updates, age %.1f s (pipeline clock); ingest log refusals %.0f; pipeline refusals %.0f; engine takeovers %.0f",
		peakBytes, peakUpdates, peakAge, m["rtls_ingest_log_refused_total"], m["rtls_pipeline_refused_batches_total"], m["rtls_engine_takeovers_total"])
	t.Logf("engine sightings by result: %v", es)
	t.Logf("test process (rtlsd and the reference rtlsd): heap after GC %.1f MiB before the feed, %.1f MiB after recovery; RSS %.0f → %.0f MiB",
		heapBefore, heapAfter, rssBefore, rssAfter)

	var spread []time.Duration
	for _, at := range pt.firstAfter {
		spread = append(spread, at.Sub(continuedAt))
	}
	slices.Sort(spread)
	if len(spread) > 0 {
		t.Logf("readers' first 2.04 after SIGCONT: %s to %s (%d readers)", spread[0].Round(time.Millisecond), spread[len(spread)-1].Round(time.Millisecond), len(spread))
	}
	t.Logf("reference run (no pause): engine sightings by result: %v", refSightings)

	// 5.03 with Max-Age while Redis is stopped; every sighting
	// acknowledged is used (none dropped as late: the engine waits for the
	// readers' refused batches, pipeline.Expected); every tag's last
	// position and its start and destination rooms' events are the
	// reference's.
	if pt.unavail == 0 {
		t.Error("no batch was answered 5.03 while Redis was stopped")
	}
	if pt.noMaxAge > 0 || pt.other > 0 {
		t.Errorf("%d answers 5.03 without a Max-Age, %d other answers or no answer", pt.noMaxAge, pt.other)
	}
	if refSightings["late"]+refSightings["late_on_arrival"] > 0 {
		t.Errorf("the reference run dropped sightings as late: %v", refSightings)
	}
	if n := es["late"] + es["late_on_arrival"]; n > 0 {
		t.Errorf("%.0f acknowledged sightings dropped as late", n)
	}
	if es["accepted"] < float64(pt.ackedS) {
		t.Errorf("the engine took %.0f sightings, %d were acknowledged", es["accepted"], pt.ackedS)
	}
	differ, missing, extra := 0, 0, 0
	for _, tag := range slices.Sorted(maps.Keys(sc)) {
		if pt.lastAcked[tag] != run.f.base+int64(pauseScript-1)*1000+100 {
			t.Errorf("%s: newest acknowledged stamp %d, want the script's last second", tag, pt.lastAcked[tag])
		}
		if pos[tag] != refPos[tag] {
			t.Errorf("%s: stored position at %d, reference at %d", tag, pos[tag], refPos[tag])
		}
		got, want := strings.Split(evs[tag], ", "), strings.Split(refEvs[tag], ", ")
		if refEvs[tag] == "" {
			t.Errorf("%s: no events in the reference run", tag)
			continue
		}
		// The start and destination rooms are the reference's, and no
		// event comes twice. A pass through the corridor on the way may
		// differ: the engine learns the readers' calibration across tags,
		// and after the pause it learns from the held seconds in another
		// order than the reference did.
		if got[0] != want[0] || got[len(got)-1] != want[len(want)-1] {
			t.Errorf("%s: events %s, reference %s", tag, evs[tag], refEvs[tag])
		}
		for k := 1; k < len(got); k++ {
			if got[k] == got[k-1] {
				t.Errorf("%s: %s twice in a row: %s", tag, got[k], evs[tag])
			}
		}
		if evs[tag] != refEvs[tag] {
			differ++
			t.Logf("%s: events %s, reference %s", tag, evs[tag], refEvs[tag])
		}
		if !isSubsequence(want, got) {
			missing++
		}
		extra += max(len(got)-len(want), 0)
	}
	t.Logf("events: %d of %d tags differ from the reference (%d missing one, %d events more than the reference's %d)",
		differ, len(sc), missing, extra, len(strings.Split(strings.Join(slices.Collect(maps.Values(refEvs)), ", "), ", ")))
}

// isSubsequence reports whether want's items appear in got in order.
func isSubsequence(want, got []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

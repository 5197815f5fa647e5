package load

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/plgd-dev/go-coap/v3/message/codes"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// MixConfig is the hospital mix of Config (see mix).
type MixConfig struct {
	// MovingShare is the share of tags moving (reported at 1 Hz); the rest
	// are still (0.2 Hz).
	MovingShare float64
	// Rate, when > 0, sets the number of tags for about this many
	// sightings per second (Config.Tags is then ignored).
	Rate float64
	// BatchMin and BatchMax bound the sightings of one batch (0: 50, 200).
	BatchMin, BatchMax int
	// EndpointsPerReader is how many UDP endpoints each reader of the plan
	// posts from, one batch in flight on each (0: 16).
	EndpointsPerReader int
	// MetricsAddr is rtlsd's --metrics-addr (host:port): dropped late,
	// positions, RSS and CPU come from there ("" leaves them out).
	MetricsAddr string
	// Interval is the reporting interval (0: 10 s).
	Interval time.Duration
	// RampUp is how long the tags take to appear, evenly (0: none): all at
	// once, their first positions and ENTERs reach the store in one write.
	RampUp time.Duration
	// Out receives a row per interval (nil: none).
	Out io.Writer
}

func (m *MixConfig) defaults() error {
	setIf := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	setIf(&m.BatchMin, 50)
	setIf(&m.BatchMax, 200)
	setIf(&m.EndpointsPerReader, 16)
	if m.Interval == 0 {
		m.Interval = 10 * time.Second
	}
	switch {
	case m.MovingShare < 0 || m.MovingShare > 1:
		return fmt.Errorf("%w: moving-share: between 0 and 1", ErrConfig)
	case m.BatchMin < 1 || m.BatchMax < m.BatchMin:
		return fmt.Errorf("%w: batch-min, batch-max: 1 <= min <= max", ErrConfig)
	case m.Interval < time.Second || m.Rate < 0 || m.EndpointsPerReader < 0 || m.RampUp < 0:
		return fmt.Errorf("%w: interval >= 1s, rate, endpoints and ramp-up >= 0", ErrConfig)
	}
	return nil
}

// counts are what became of the batches of one interval.
type counts struct {
	offered, acked, refused, unsent int // sightings
	noAnswer, other, toldLate       int // sightings
	retried                         int // sightings posted again after a 5.03
	acks                            []time.Duration
}

// tally counts what became of the batches, per interval.
type tally struct {
	mu sync.Mutex // guards c
	c  counts
}

func (t *tally) add(o outcome) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := &t.c
	switch {
	case o.unsent:
		c.unsent += o.sightings
	case o.code == 0:
		c.noAnswer += o.sightings
	case o.code == codes.Changed:
		c.acked += o.accepted
		c.toldLate += o.sightings - o.accepted
		c.acks = append(c.acks, o.ack)
	case o.retried:
		c.retried += o.sightings
	case o.code == codes.ServiceUnavailable:
		c.refused += o.sightings
	default:
		c.other += o.sightings
	}
}

func (t *tally) offer(n int) {
	t.mu.Lock()
	t.c.offered += n
	t.mu.Unlock()
}

// take returns the counts so far and starts anew.
func (t *tally) take() counts {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := t.c
	t.c = counts{}
	return out
}

// Interval is one reporting interval of a mix run; rates are per second.
type Interval struct {
	End                             time.Duration // since the start
	Offered, Acked, NoAnswer        float64       // sightings/s
	Refused503                      float64       // sightings/s refused 5.03 and not posted again (too old by then)
	Retried                         float64       // sightings/s refused 5.03 and posted again after its Max-Age
	Unsent, Other                   float64       // sightings/s not sent (queue full, too old after back-offs), answered otherwise
	ToldLate                        float64       // sightings/s a 2.04 reported dropped (too late), not accepted
	Late, Dropped, Clean, Positions float64       // from rtlsd: dropped late, every drop, acked-dropped, positions/s
	KernelDrops                     float64       // datagrams in the interval
	KernelDropsKnown                bool          // rtlsd exports them
	Ack, EventBeyond                Quantiles     // ack latency; ENTER latency beyond debounce + lateness
	// from rtlsd (rtls_pipeline_epoch_delay_seconds): how long after an
	// epoch fell due its positions were computed, its events written (before
	// its other positions) and all of it stored
	Flushed, Events, Stored                 Quantiles
	RSSMB, ServerCores, CPUPerSightingMicro float64
	Server                                  bool // rtlsd's metrics were read
}

// MixReport is what a mix run measured: every interval, and the steady
// state (every interval after the first, or the only one).
type MixReport struct {
	Tags, Moving, Still int
	Intervals           []Interval
	Steady              Interval
	Reconnects          int64
}

// RunMix drives the hospital mix (cfg.Mix) for cfg.Duration against a
// running rtlsd: every whole second the readers post what they heard, all
// together; every interval a row goes to cfg.Mix.Out. Endpoints reconnect
// and the event watch resumes when rtlsd restarts.
func RunMix(ctx context.Context, cfg Config) (MixReport, error) {
	if err := cfg.validate(); err != nil {
		return MixReport{}, err
	}
	mc := cfg.Mix
	if err := mc.defaults(); err != nil {
		return MixReport{}, err
	}
	tags := cfg.Tags
	if mc.Rate > 0 {
		tags = max(1, int(mc.Rate/perTagRate(mc.MovingShare)+0.5))
	}
	moving := int(float64(tags)*mc.MovingShare + 0.5)
	m, err := newMix(cfg.Plan, moving, tags-moving, cfg.Prefix+"M", cfg.Prefix+"S", mc.BatchMin, mc.BatchMax, int(mc.RampUp/time.Second), cfg.Seed)
	if err != nil {
		return MixReport{}, err
	}
	cc, err := grpc.NewClient(cfg.GRPCAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return MixReport{}, fmt.Errorf("load: --grpc-addr: %w", err)
	}
	defer cc.Close()
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	w := watchAlways(wctx, cc, cfg.Prefix+"M", cfg.Log)

	var t tally
	ls := newLanes(cfg.CoAPAddr, mc.EndpointsPerReader, cfg.Lateness, t.add)
	r := &mixRun{cfg: cfg, mc: mc, mix: m, lanes: ls, tally: &t, watch: w, sent: map[int64]time.Time{}}
	rep := MixReport{Tags: tags, Moving: moving, Still: tags - moving}
	cfg.Log.Info("load: hospital mix", "tags", tags, "moving", moving, "offered_per_s", int(float64(tags)*perTagRate(mc.MovingShare)))
	err = r.run(ctx, &rep)
	ls.close()
	rep.Reconnects = ls.reconnects.Load()
	rep.Steady = steady(rep.Intervals)
	return rep, err
}

// mixRun is one run's state.
type mixRun struct {
	cfg    Config
	mc     MixConfig
	mix    *mix
	lanes  *lanes
	tally  *tally
	watch  *watcher
	sent   map[int64]time.Time // second stamp (epoch ms) -> when its batches went out
	seen   int                 // events of the watch already reported
	before serverSample
}

func (r *mixRun) run(ctx context.Context, rep *MixReport) error {
	start := time.Now().Truncate(time.Second).Add(time.Second)
	seconds := int(r.cfg.Duration / time.Second)
	every := int(r.mc.Interval / time.Second)
	r.before = scrape(ctx, metricsURL(r.mc.MetricsAddr))
	if r.mc.Out != nil {
		writeHeader(r.mc.Out)
	}
	lastRow := start
	for k := range seconds {
		at := start.Add(time.Duration(k) * time.Second)
		if err := sleepUntil(ctx, at); err != nil {
			return err
		}
		batches, err := r.mix.second(k, at.UnixMilli())
		if err != nil {
			return err
		}
		r.sent[at.UnixMilli()] = time.Now()
		perReader := map[string]int{}
		for _, b := range batches {
			r.tally.offer(len(b.Sightings))
			if err := r.lanes.send(ctx, b, perReader[b.Reader]); err != nil {
				return err
			}
			perReader[b.Reader]++
		}
		if (k+1)%every == 0 || k == seconds-1 {
			now := time.Now()
			iv := r.interval(ctx, now.Sub(start), now.Sub(lastRow))
			lastRow = now
			rep.Intervals = append(rep.Intervals, iv)
			if r.mc.Out != nil {
				iv.write(r.mc.Out)
			}
		}
	}
	return nil
}

// interval closes one reporting interval of length span.
func (r *mixRun) interval(ctx context.Context, end, span time.Duration) Interval {
	t := r.tally.take()
	now := scrape(ctx, metricsURL(r.mc.MetricsAddr))
	d := delta(r.before, now)
	r.before = now
	sec := span.Seconds()
	iv := Interval{End: end.Round(time.Second), Offered: float64(t.offered) / sec, Acked: float64(t.acked) / sec,
		Refused503: float64(t.refused) / sec, Retried: float64(t.retried) / sec, NoAnswer: float64(t.noAnswer) / sec, Unsent: float64(t.unsent) / sec,
		Other: float64(t.other) / sec, ToldLate: float64(t.toldLate) / sec, Ack: quantiles(t.acks), Server: d.ok}
	if d.ok {
		iv.Late, iv.Dropped, iv.Positions = d.late/sec, d.dropped/sec, d.positions/sec
		iv.KernelDrops, iv.KernelDropsKnown = d.kernelDrops, d.kernelKnown
		iv.RSSMB, iv.ServerCores = d.rss/(1<<20), d.cpu/sec
		iv.Flushed, iv.Events, iv.Stored = d.flushed.quantiles(), d.events.quantiles(), d.stored.quantiles()
		if t.acked > 0 {
			iv.CPUPerSightingMicro = d.cpu / float64(t.acked) * 1e6
		}
	}
	iv.Clean = max(0, iv.Acked-iv.Dropped)
	events, _ := r.watch.snapshot()
	var beyond []time.Duration
	for _, e := range events[r.seen:] {
		if e.typ != rtlsv1.EventType_ENTER {
			continue
		}
		if sent, ok := r.sent[e.ts]; ok {
			beyond = append(beyond, e.at.Sub(sent)-r.cfg.Debounce-r.cfg.Lateness)
		}
	}
	r.seen = len(events)
	iv.EventBeyond = quantiles(beyond)
	return iv
}

// steady averages the intervals after the first (the tags' first
// positions and ENTERs), or the only one.
func steady(ivs []Interval) Interval {
	if len(ivs) > 1 {
		ivs = ivs[1:]
	}
	var s Interval
	if len(ivs) == 0 {
		return s
	}
	n := float64(len(ivs))
	s.Server, s.KernelDropsKnown = true, true
	for _, iv := range ivs {
		s.KernelDropsKnown = s.KernelDropsKnown && iv.KernelDropsKnown
		s.End = iv.End
		s.Offered += iv.Offered / n
		s.Acked += iv.Acked / n
		s.Refused503 += iv.Refused503 / n
		s.Retried += iv.Retried / n
		s.NoAnswer += iv.NoAnswer / n
		s.Unsent += iv.Unsent / n
		s.Other += iv.Other / n
		s.ToldLate += iv.ToldLate / n
		s.Late += iv.Late / n
		s.Dropped += iv.Dropped / n
		s.Clean += iv.Clean / n
		s.Positions += iv.Positions / n
		s.KernelDrops += iv.KernelDrops
		s.ServerCores += iv.ServerCores / n
		s.CPUPerSightingMicro += iv.CPUPerSightingMicro / n
		s.RSSMB = max(s.RSSMB, iv.RSSMB)
		s.Server = s.Server && iv.Server
	}
	s.Ack = combine(ivs, func(iv Interval) Quantiles { return iv.Ack })
	s.EventBeyond = combine(ivs, func(iv Interval) Quantiles { return iv.EventBeyond })
	s.Flushed = combine(ivs, func(iv Interval) Quantiles { return iv.Flushed })
	s.Events = combine(ivs, func(iv Interval) Quantiles { return iv.Events })
	s.Stored = combine(ivs, func(iv Interval) Quantiles { return iv.Stored })
	return s
}

// combine is one latency over the intervals: their quantiles stand in for
// the samples, so the worst p99 and the median of the p50s (of intervals
// with samples) are reported.
func combine(ivs []Interval, of func(Interval) Quantiles) Quantiles {
	var q Quantiles
	var p50s []time.Duration
	for _, iv := range ivs {
		x := of(iv)
		if x.N > 0 {
			p50s = append(p50s, x.P50)
		}
		q.P99 = max(q.P99, x.P99)
		q.N += x.N
	}
	q.P50 = quantiles(p50s).P50
	return q
}

func writeHeader(w io.Writer) {
	fmt.Fprintln(w, "    t  offered    acked   5.03/s  retried  noanswer  unsent  toldlate  late/s  dropped/s  clean/s  positions/s  kdrops  ack p50/p99 ms  enter+ p50/p99 ms  flushed p50/p99 ms  events p50/p99 ms  stored p50/p99 ms  rss MB  cores  µs/sighting")
}

func (iv Interval) write(w io.Writer) {
	srv := func(v float64, f string) string {
		if !iv.Server {
			return "-"
		}
		return fmt.Sprintf(f, v)
	}
	fmt.Fprintf(w, "%5.0f  %7.0f  %7.0f  %7.0f  %7.0f  %8.0f  %6.0f  %8.0f  %6s  %9s  %7.0f  %11s  %6s  %6.1f/%-7.1f  %8.0f/%-8.0f  %8s/%-8s  %7s/%-7s  %7s/%-7s  %6s  %5s  %11s\n",
		iv.End.Seconds(), iv.Offered, iv.Acked, iv.Refused503, iv.Retried, iv.NoAnswer, iv.Unsent, iv.ToldLate,
		srv(iv.Late, "%.0f"), srv(iv.Dropped, "%.0f"), iv.Clean, srv(iv.Positions, "%.0f"), kdrops(iv),
		ms(iv.Ack.P50), ms(iv.Ack.P99), ms(iv.EventBeyond.P50), ms(iv.EventBeyond.P99),
		srv(ms(iv.Flushed.P50), "%.0f"), srv(ms(iv.Flushed.P99), "%.0f"), srv(ms(iv.Events.P50), "%.0f"), srv(ms(iv.Events.P99), "%.0f"),
		srv(ms(iv.Stored.P50), "%.0f"), srv(ms(iv.Stored.P99), "%.0f"),
		srv(iv.RSSMB, "%.0f"), srv(iv.ServerCores, "%.2f"), srv(iv.CPUPerSightingMicro, "%.1f"))
}

func kdrops(iv Interval) string {
	if !iv.Server || !iv.KernelDropsKnown {
		return "-"
	}
	return fmt.Sprintf("%.0f", iv.KernelDrops)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Write prints the steady state.
func (r MixReport) Write(w io.Writer) {
	fmt.Fprintf(w, "hospital mix: %d tags (%d moving at 1 Hz, %d still at 0.2 Hz), %d intervals, %d endpoint reconnects\n",
		r.Tags, r.Moving, r.Still, len(r.Intervals), r.Reconnects)
	fmt.Fprintln(w, "steady state (intervals after the first; p50 = median of interval p50s, p99 = worst interval p99):")
	writeHeader(w)
	r.Steady.write(w)
	fmt.Fprintln(w, strings.TrimSpace(`
  offered: sightings posted; acked: accepted by 2.04 answers (their counts); toldlate: reported dropped
  by a 2.04 (too late to locate: never acknowledged); 5.03: in batches refused busy and given up (too old to
  post again); retried: in batches refused busy and posted again after the answer's Max-Age; noanswer: in
  batches without answer (timeout, server away); unsent: the endpoint's queue was full or the batch too old after back-offs; late/dropped: rtlsd's
  rtls_engine_sightings_total other than accepted (after 2.04); clean = acked - dropped; kdrops: datagrams
  the kernel dropped on rtlsd's socket; enter+: ENTER received minus batch sent minus debounce and lateness;
  flushed/events/stored: rtlsd's rtls_pipeline_epoch_delay_seconds, how long after an epoch fell due (the
  wall clock minus the lateness passed its end) its positions were computed, its events written (before its
  other positions) and all of it written;
  cores and µs/sighting: rtlsd's CPU (process_cpu_seconds_total) per second and per acked sighting.`))
}

// WriteJSON prints the report as one JSON object.
func (r MixReport) WriteJSON(w io.Writer) error {
	return json.NewEncoder(w).Encode(r)
}

package location_test

import (
	"fmt"
	"github.com/hospitalrtls/rtls/internal/cputime"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/location"
)

// The benchmarks run a steady state on the synthetic-clinic plan: n tags
// at fixed random places, each heard by its 5 strongest readers once per
// second. One op is one simulated second: every sighting added, then one
// Flush that computes one position per tag. They run on one core
// (GOMAXPROCS 1) and report, besides the usual wall-clock ns/op, in
// process CPU time (so that other processes on a shared machine do not
// inflate them):
//
//	ns/sighting  CPU time in Add per sighting
//	ns/update    CPU time in Flush per position computed
//	sightings/s  sightings per CPU second of Add and Flush together
//	bytes/tag    live heap per tracked tag after warm-up (8 s: still tags
//	             have settled to their adaptive particle count)
//	still/update share of the positions reported from a still tag's last
//	             update (the engine only)
//
// BenchmarkEngine measures the engine with its defaults on one worker,
// BenchmarkEngineWalking the same with every tag walking (each epoch a
// full update), BenchmarkEngineWorkers the engine on GOMAXPROCS workers
// (wall-clock ns/op only) and BenchmarkCentroid a plain weighted centroid
// (strongest 4 readers over 3 s) for comparison.

// benchSizes are the numbers of live tags.
var benchSizes = []int{1_000, 10_000, 100_000}

const (
	benchReadersPerTag = 5
	benchStart         = 1_763_719_200_000
	benchWarmRounds    = 8
)

// benchTag is a tag of the benchmark world: its readers and their mean
// RSSI, and where it is (for walking tags).
type benchTag struct {
	id      string
	readers [benchReadersPerTag]string
	rssi    [benchReadersPerTag]float64
	room    *floorplans.Room
	x, y    float64
	vx, vy  float64
}

// benchWorld generates the sightings of every tag, one second at a time,
// into a buffer it reuses.
type benchWorld struct {
	tags    []benchTag
	rng     *rand.Rand
	sec     int64
	buf     []location.Sighting
	walking bool
	plan    *floorplans.Plan
	radio   *radio
	readers map[string]*floorplans.Reader
}

func newBenchWorld(b *testing.B, plan *floorplans.Plan, n int, walking bool) *benchWorld {
	rng := rand.New(rand.NewPCG(42, uint64(n)))
	r := newRadio(plan, 42)
	r.noiseDB, r.minRSSI = 0, -120
	w := &benchWorld{tags: make([]benchTag, n), rng: rng, buf: make([]location.Sighting, 0, n*benchReadersPerTag),
		walking: walking, plan: plan, radio: r, readers: map[string]*floorplans.Reader{}}
	for _, rd := range plan.Readers {
		w.readers[rd.ID] = rd
	}
	for i := range w.tags {
		room := plan.Rooms[rng.IntN(len(plan.Rooms))]
		x, y := randomIn(rng, plan, room)
		hs := r.hear("", 0, room.Level, x, y, benchReadersPerTag)
		if len(hs) < benchReadersPerTag {
			b.Fatalf("tag %d heard by %d readers", i, len(hs))
		}
		t := &w.tags[i]
		t.id = "TAG-" + strconv.Itoa(i)
		t.room, t.x, t.y = room, x, y
		ang := rng.Float64() * 2 * math.Pi
		t.vx, t.vy = 1.2*math.Cos(ang), 1.2*math.Sin(ang)
		for k, h := range hs {
			t.readers[k], t.rssi[k] = h.Reader, h.RSSI
		}
	}
	return w
}

// randomIn draws a point inside room.
func randomIn(rng *rand.Rand, plan *floorplans.Plan, room *floorplans.Room) (float64, float64) {
	for {
		x := room.Bound.Min[0] + rng.Float64()*(room.Bound.Max[0]-room.Bound.Min[0])
		y := room.Bound.Min[1] + rng.Float64()*(room.Bound.Max[1]-room.Bound.Min[1])
		if plan.RoomAt(room.Level, orb.Point{x, y}) == room {
			return x, y
		}
	}
}

// round returns the sightings of the next second, interleaved across tags
// as they would arrive, and the watermark that finalises that second.
func (w *benchWorld) round() ([]location.Sighting, int64) {
	base := benchStart + w.sec*1000
	w.sec++
	w.buf = w.buf[:0]
	if w.walking {
		w.walk()
	}
	for k := range benchReadersPerTag {
		for i := range w.tags {
			t := &w.tags[i]
			w.buf = append(w.buf, location.Sighting{TS: base + 1 + int64(k)*190 + int64(i%97),
				Reader: t.readers[k], Tag: t.id, RSSI: math.Round(t.rssi[k] + 3*w.rng.NormFloat64())})
		}
	}
	return w.buf, base + 1000
}

// walk moves every tag by a second of walking inside its room (turning
// where it would leave it) and updates the mean RSSI of its readers.
func (w *benchWorld) walk() {
	for i := range w.tags {
		t := &w.tags[i]
		for try := 0; try < 8; try++ {
			x, y := t.x+t.vx, t.y+t.vy
			if w.plan.RoomAt(t.room.Level, orb.Point{x, y}) == t.room {
				t.x, t.y = x, y
				break
			}
			ang := w.rng.Float64() * 2 * math.Pi
			t.vx, t.vy = 1.2*math.Cos(ang), 1.2*math.Sin(ang)
		}
		for k, id := range t.readers {
			t.rssi[k] = w.radio.rssi(w.readers[id], t.room.Level, t.x, t.y)
		}
	}
}

// tracker is what the benchmarks drive: the engine or the baseline.
type tracker interface {
	Add(location.Sighting) error
	Flush(watermark int64) []location.Position
}

// benchState is a warmed-up tracker with its world and its memory use.
type benchState struct {
	world       *benchWorld
	tr          tracker
	bytesPerTag float64
}

func newBenchState(b *testing.B, n int, walking bool, build func(*floorplans.Plan) tracker) *benchState {
	plan := datasetPlan(b, "synthetic-clinic")
	st := &benchState{world: newBenchWorld(b, plan, n, walking)}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	st.tr = build(plan)
	for range benchWarmRounds {
		in, wm := st.world.round()
		for _, s := range in {
			if err := st.tr.Add(s); err != nil {
				b.Fatal(err)
			}
		}
		if got := len(st.tr.Flush(wm)); got != n {
			b.Fatalf("warm-up: %d positions for %d tags", got, n)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	st.bytesPerTag = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
	return st
}

// runRounds times b.N simulated seconds of st, on one core unless
// allCores.
func runRounds(b *testing.B, st *benchState, allCores bool) {
	if !allCores {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	}
	b.ReportAllocs()
	b.ResetTimer()
	var addT, flushT time.Duration
	sightings, updates := 0, 0
	eng, _ := st.tr.(*location.Engine)
	var still0 uint64
	if eng != nil {
		still0 = eng.Stats().StillUpdates
	}
	for range b.N {
		b.StopTimer()
		in, wm := st.world.round()
		b.StartTimer()
		start := cputime.Process()
		for _, s := range in {
			_ = st.tr.Add(s)
		}
		mid := cputime.Process()
		updates += len(st.tr.Flush(wm))
		flushT += cputime.Process() - mid
		addT += mid - start
		sightings += len(in)
	}
	b.StopTimer()
	b.ReportMetric(float64(addT.Nanoseconds())/float64(sightings), "ns/sighting")
	b.ReportMetric(float64(flushT.Nanoseconds())/float64(max(updates, 1)), "ns/update")
	b.ReportMetric(float64(sightings)/(addT+flushT).Seconds(), "sightings/s")
	b.ReportMetric(st.bytesPerTag, "bytes/tag")
	if eng != nil {
		b.ReportMetric(float64(eng.Stats().StillUpdates-still0)/float64(max(updates, 1)), "still/update")
	}
}

func benchTracker(b *testing.B, walking, allCores bool, build func(*floorplans.Plan) tracker) {
	for _, n := range benchSizes {
		var st *benchState // kept across the runs of one size, dropped after it
		b.Run(fmt.Sprintf("tags=%d", n), func(b *testing.B) {
			if st == nil {
				st = newBenchState(b, n, walking, build)
			}
			runRounds(b, st, allCores)
		})
		st = nil
	}
}

// engineOn builds engines with the defaults on the given number of
// workers (0: GOMAXPROCS).
func engineOn(b *testing.B, workers int) func(*floorplans.Plan) tracker {
	return func(plan *floorplans.Plan) tracker {
		cfg := location.Defaults()
		cfg.Workers = workers
		eng, err := location.New(plan, cfg)
		if err != nil {
			b.Fatal(err)
		}
		return eng
	}
}

func BenchmarkEngine(b *testing.B) { benchTracker(b, false, false, engineOn(b, 1)) }

func BenchmarkEngineWalking(b *testing.B) { benchTracker(b, true, false, engineOn(b, 1)) }

func BenchmarkEngineWorkers(b *testing.B) {
	b.Run(fmt.Sprintf("workers=%d", runtime.GOMAXPROCS(0)), func(b *testing.B) {
		benchTracker(b, true, true, engineOn(b, 0))
	})
}

func BenchmarkCentroid(b *testing.B) {
	benchTracker(b, false, false, func(plan *floorplans.Plan) tracker { return newCentroid(plan) })
}

// centroid is the plain weighted-centroid baseline of tools/rtls-score in
// streaming form: at each watermark, every tag heard since the last one is
// placed at the centroid of the 4 readers with the strongest mean RSSI
// over the last 3 s (on the strongest one's level), weighted by
// 10^(rssi/20).
type centroid struct {
	readerOf map[string]int32
	readers  []*floorplans.Reader
	tags     map[string]*centroidTag
	dirty    []*centroidTag
}

type centroidTag struct {
	id    string
	obs   []centroidObs // the last 3 s, oldest first
	dirty bool
}

type centroidObs struct {
	ts     int64
	reader int32
	rssi   float32
}

const (
	centroidWindowMS = 3000
	centroidTop      = 4
)

func newCentroid(plan *floorplans.Plan) *centroid {
	c := &centroid{readerOf: map[string]int32{}, tags: map[string]*centroidTag{}}
	for _, r := range plan.Readers {
		c.readerOf[r.ID] = int32(len(c.readers))
		c.readers = append(c.readers, r)
	}
	return c
}

func (c *centroid) Add(s location.Sighting) error {
	ri, ok := c.readerOf[s.Reader]
	switch {
	case !ok:
		return location.ErrUnknownReader
	case math.IsNaN(s.RSSI) || s.RSSI > 0 || s.RSSI < -120:
		return location.ErrImpossibleRSSI
	}
	t := c.tags[s.Tag]
	if t == nil {
		t = &centroidTag{id: s.Tag}
		c.tags[s.Tag] = t
	}
	t.obs = append(t.obs, centroidObs{s.TS, ri, float32(s.RSSI)})
	if !t.dirty {
		t.dirty = true
		c.dirty = append(c.dirty, t)
	}
	return nil
}

func (c *centroid) Flush(wm int64) []location.Position {
	out := make([]location.Position, 0, len(c.dirty))
	for _, t := range c.dirty {
		t.dirty = false
		keep := t.obs[:0]
		for _, o := range t.obs {
			if o.ts > wm-centroidWindowMS {
				keep = append(keep, o)
			}
		}
		t.obs = keep
		if p, ok := c.place(t, wm); ok {
			out = append(out, p)
		}
	}
	clear(c.dirty)
	c.dirty = c.dirty[:0]
	return out
}

// readerMean is one reader's mean RSSI in the window.
type readerMean struct {
	reader   int32
	sum, cnt float64
}

func (c *centroid) place(t *centroidTag, wm int64) (location.Position, bool) {
	var buf [16]readerMean
	ms := buf[:0]
	for _, o := range t.obs {
		if o.ts > wm {
			continue
		}
		i := slices.IndexFunc(ms, func(m readerMean) bool { return m.reader == o.reader })
		if i < 0 {
			ms = append(ms, readerMean{reader: o.reader})
			i = len(ms) - 1
		}
		ms[i].sum += float64(o.rssi)
		ms[i].cnt++
	}
	if len(ms) == 0 {
		return location.Position{}, false
	}
	slices.SortFunc(ms, func(a, b readerMean) int {
		return int(math.Copysign(1, b.sum/b.cnt-a.sum/a.cnt))
	})
	ms = ms[:min(len(ms), centroidTop)]
	level := c.readers[ms[0].reader].Level
	var sw, sx, sy float64
	for _, m := range ms {
		r := c.readers[m.reader]
		if r.Level != level {
			continue
		}
		w := math.Pow(10, m.sum/m.cnt/20)
		sw += w
		sx += w * r.Point[0]
		sy += w * r.Point[1]
	}
	return location.Position{TS: wm, Tag: t.id, Level: level, X: sx / sw, Y: sy / sw}, true
}

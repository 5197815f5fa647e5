package location

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
)

// The engine computes tags on several workers. Tags are independent of
// each other except through what is learned across them (the per-reader
// calibration), so a barrier (Flush or Drain) runs like this:
//
//  1. The engine lists the tags with an epoch to finalise, in an order
//     that depends on the input only (the order their sightings closed
//     the epoch, or the order they became pending).
//  2. Workers take the tags of the list in chunks and compute them. The
//     learned state is read-only meanwhile: every worker reads what was
//     committed at the previous barrier (through calView.at), and what it
//     learns is buffered as observations (calView.add), as are the
//     positions it computes.
//  3. After all workers are done the engine walks the list in order and,
//     per tag, appends its positions to the output and applies its
//     observations to the learned state.
//
// So the output and the learned state are byte-identical whatever the
// number of workers, and no lock is taken on the hot path.
//
// New kinds of learned state plug in the same way: a read accessor for an
// epoch time on calView, an observation kind, and a case in apply.

// observation is one piece of evidence for the learned state, buffered
// during a barrier and applied after it in a deterministic order. A
// barrier buffers every observation of every tag it computes, so they are
// kept in 16 bytes: the rest of a radio observation (its u, w and
// wall-count probabilities) lies in the buffer's pws, from at on, and
// the event time is an observation of its own (obsTime) before those of
// that time (obsBuf).
type observation struct {
	// v is the residual of an offset, a radio observation's y, a
	// silence's phi, or the bits of an obsTime's event time.
	v float64
	// at is the reader of an offset, or where the rest of a radio
	// observation starts in pws.
	at     int32
	kind   obsKind
	npw    uint8
	silent bool
}

// obsKind says which learned state an observation is for.
type obsKind uint8

const (
	// obsReaderOffset is a residual (observed minus modelled RSSI, dB) of
	// one reader at event time t: calibration.add.
	obsReaderOffset obsKind = iota
	// obsRadio is one reading judged at a placed tag: radioLearner.observe.
	obsRadio
	// obsSilence is one ranging reader judged at a confidently placed
	// tag: radioLearner.observeSilence.
	obsSilence
	// obsTime is the event time of the observations after it.
	obsTime
)

// obsBuf is where a view buffers observations: the observations, the
// rest of the radio ones (pws), and the event time of the last one (set
// when timed). A segment of it applied on its own (learned.applyAll)
// starts at a mark, so that its first observation is an obsTime.
type obsBuf struct {
	obs   []observation
	pws   []float64
	t     int64
	timed bool
}

// put buffers o at event time t, after an obsTime when t is not the time
// of the observation before it.
func (b *obsBuf) put(t int64, o observation) {
	if !b.timed || b.t != t {
		b.obs = append(b.obs, observation{kind: obsTime, v: math.Float64frombits(uint64(t))})
		b.t, b.timed = t, true
	}
	b.obs = append(b.obs, o)
}

// mark starts a segment: the next observation put is preceded by its time.
func (b *obsBuf) mark() { b.timed = false }

// reset empties the buffer.
func (b *obsBuf) reset() {
	b.obs, b.pws, b.timed = b.obs[:0], b.pws[:0], false
}

// learned is the state learned across tags, shared by all workers.
type learned struct {
	cal *calibration
	// gen changes whenever the state may have: what a view memoised
	// under another gen is stale.
	gen uint64
}

// applyAll commits a segment of observations in order (its first one an
// obsTime: obsBuf.mark), the rest of the radio ones being in pws. Only
// the goroutine that owns the engine calls it, outside of the workers'
// part of a barrier.
func (l *learned) applyAll(obs []observation, pws []float64) {
	var t int64
	for _, o := range obs {
		l.gen++
		switch o.kind {
		case obsTime:
			t = int64(math.Float64bits(o.v))
		case obsReaderOffset:
			l.cal.add(int(o.at), t, o.v)
		case obsRadio:
			rest := pws[o.at : int(o.at)+2+int(o.npw)]
			l.cal.radio.observe(t, radioObs{y: o.v, u: rest[0], w: rest[1], pw: rest[2:]})
		case obsSilence:
			l.cal.radio.observeSilence(t, o.silent, o.v)
		}
	}
}

// settle solves what the observations applied since the last settle
// changed, so that the workers' reads during the next barrier only read.
func (l *learned) settle() {
	l.gen++
	l.cal.radio.settle()
}

// calView is how the filter sees the learned state: reads of the
// committed state, and observations buffered for the next commit. Reads
// are memoised per reader and epoch (the filter asks for the same reader
// at the same time many times per update) until the state changes.
type calView struct {
	l     *learned
	buf   *obsBuf
	radio radioView
	memo  []offsetMemo // by reader
}

// offsetMemo is a reader's offset at t as read under learned.gen gen.
type offsetMemo struct {
	gen uint64
	t   int64
	v   float64
}

// newCalView returns the view of l buffering observations into buf.
func newCalView(l *learned, buf *obsBuf) calView {
	return calView{l: l, buf: buf, radio: radioView{l: l.cal.radio, g: l, buf: buf, memo: &radioMemo{}},
		memo: make([]offsetMemo, len(l.cal.readers))}
}

// radioView is how the filter sees the learned radio model: reads of the
// committed model (the last one memoised), observations buffered like
// calView's.
type radioView struct {
	l    *radioLearner
	g    *learned
	buf  *obsBuf
	memo *radioMemo
}

// radioMemo is the model at t as read under learned.gen gen (r nil: none).
type radioMemo struct {
	gen uint64
	t   int64
	r   *Radio
}

// at returns the committed model for an epoch ending at t.
func (v radioView) at(t int64) *Radio {
	m := v.memo
	if m.r == nil || m.gen != v.g.gen || m.t != t {
		*m = radioMemo{gen: v.g.gen, t: t, r: v.l.at(t)}
	}
	return m.r
}

// latest returns the newest committed model.
func (v radioView) latest() *Radio { return v.l.latest() }

// observe buffers one reading's observation at t (radioLearner.observe).
func (v radioView) observe(t int64, o radioObs) {
	b := v.buf
	ob := observation{kind: obsRadio, v: o.y, npw: uint8(len(o.pw)), at: int32(len(b.pws))}
	b.pws = append(append(b.pws, o.u, o.w), o.pw...)
	b.put(t, ob)
}

// observeSilence buffers one silence judgement at t
// (radioLearner.observeSilence).
func (v radioView) observeSilence(t int64, silent bool, phi float64) {
	v.buf.put(t, observation{kind: obsSilence, v: phi, silent: silent})
}

// at returns reader r's offset for an epoch ending at t, as committed.
func (v calView) at(r int, t int64) float64 {
	m := &v.memo[r]
	if m.gen != v.l.gen || m.t != t {
		*m = offsetMemo{gen: v.l.gen, t: t, v: v.l.cal.at(r, t)}
	}
	return m.v
}

// latest returns reader r's newest committed offset.
func (v calView) latest(r int) float64 { return v.l.cal.latest(r) }

// add buffers a residual of reader r at t (see calibration.add).
func (v calView) add(r int, t int64, res float64) {
	v.buf.put(t, observation{kind: obsReaderOffset, at: int32(r), v: res})
}

// worker computes tags during a barrier. ctx is the Engine value the
// filter and the radio model run with: it shares the configuration, the
// site and the learned state, and holds the worker's own scratch buffers
// and a calView buffering into buf.
type worker struct {
	ctx Engine
	out []Position
	buf obsBuf
	// arenas are the engine's (Engine.arenas); pending is a scratch copy
	// of a tag's sightings for Ahead.
	arenas  []arena
	pending []pending
}

func newWorker(e *Engine) *worker {
	w := &worker{}
	w.ctx = Engine{cfg: e.cfg, site: e.site, learned: e.learned}
	w.ctx.cal = newCalView(e.learned, &w.buf)
	w.arenas = e.arenas
	return w
}

// span locates the positions and observations a worker produced for one
// tag of the work list.
type span struct {
	w          int32
	out0, out1 int32
	obs0, obs1 int32
}

// minParallel is the work list length below which the calling goroutine
// computes it alone: starting goroutines would cost more than it saves.
const minParallel = 4

// run computes every tag of e.work up to max(its own watermark, wm) on the
// workers and commits the results in list order.
func (e *Engine) run(wm int64) {
	work := e.work
	if len(work) == 0 {
		return
	}
	e.spans = slices.Grow(e.spans[:0], len(work))[:len(work)]
	nw := min(len(e.workers), len(work))
	if len(work) < minParallel {
		nw = 1
	}
	// chunks small enough to balance the workers, large enough to keep
	// them off the shared counter
	chunk := max(1, min(64, len(work)/(4*nw)))
	if nw == 1 {
		for i, t := range work {
			e.workers[0].compute(0, t, wm, &e.spans[i])
		}
	} else {
		parallel(nw, len(work), chunk, func(k, i int) {
			e.workers[k].compute(int32(k), work[i], wm, &e.spans[i])
		})
	}
	// the output is handed to the caller: one allocation per barrier
	n := 0
	for i, t := range work {
		n += int(e.spans[i].out1 - e.spans[i].out0)
		if st, ok := e.early[t]; ok {
			n += len(st.out)
		}
	}
	e.out = slices.Grow(e.out, n)
	for i, t := range work {
		if st, ok := e.early[t]; ok {
			e.commitStash(st)
			delete(e.early, t)
		}
		sp := &e.spans[i]
		w := e.workers[sp.w]
		e.out = append(e.out, w.out[sp.out0:sp.out1]...)
		e.stats.Updates += uint64(sp.out1 - sp.out0)
		e.learned.applyAll(w.buf.obs[sp.obs0:sp.obs1], w.buf.pws)
	}
	e.learned.settle()
	for _, w := range e.workers[:nw] {
		e.stats.StillUpdates += w.ctx.stats.StillUpdates
		w.ctx.stats.StillUpdates = 0
		clear(w.out) // drop the tag strings
		w.out = w.out[:0]
		w.buf.reset()
	}
	clear(work)
	e.work = work[:0]
}

// compute finalises t's epochs up to max(its own watermark, wm) and
// records where its results are in sp.
func (w *worker) compute(k int32, t *tracker, wm int64, sp *span) {
	w.buf.mark()
	*sp = span{w: k, out0: int32(len(w.out)), obs0: int32(len(w.buf.obs))}
	w.advance(t, max(t.closed, wm))
	sp.out1, sp.obs1 = int32(len(w.out)), int32(len(w.buf.obs))
}

// stash holds what settle computed for a tag ahead of a barrier.
type stash struct {
	out   []Position
	obs   []observation // starting with an obsTime
	pws   []float64
	still uint64
}

// settle computes t's epochs that its own watermark has closed ahead of
// the next barrier, so that Current and Explain answer for them. It reads
// the learned state as committed, as the barrier would, and keeps the
// positions and observations aside; the barrier commits them in t's place
// in its work list. So the output and the learned state are the same
// whether or not anything read the tag in between.
func (e *Engine) settle(t *tracker) {
	if !t.queued || t.firstEnd > t.closed {
		return
	}
	if e.solo == nil {
		e.solo = newWorker(e)
	}
	w := e.solo
	w.advance(t, t.closed)
	if len(w.out) == 0 && len(w.buf.obs) == 0 {
		return
	}
	if e.early == nil {
		e.early = map[*tracker]*stash{}
	}
	st := e.early[t]
	if st == nil {
		st = &stash{}
		e.early[t] = st
	}
	st.out = append(st.out, w.out...)
	base := int32(len(st.pws))
	for _, o := range w.buf.obs {
		if o.kind == obsRadio {
			o.at += base
		}
		st.obs = append(st.obs, o)
	}
	st.pws = append(st.pws, w.buf.pws...)
	st.still += w.ctx.stats.StillUpdates
	w.ctx.stats.StillUpdates = 0
	clear(w.out)
	w.out = w.out[:0]
	w.buf.reset()
}

// commitStash emits and applies what settle kept aside for a tag.
func (e *Engine) commitStash(st *stash) {
	e.out = append(e.out, st.out...)
	e.stats.Updates += uint64(len(st.out))
	e.stats.StillUpdates += st.still
	e.learned.applyAll(st.obs, st.pws)
}

// ahead is a tag's next epoch computed ahead of the barrier that
// finalises it (Engine.Ahead): the tag's state after the epoch, in a
// tracker of its own, and where the epoch's positions and observations
// lie in the arena of the worker that computed it. A tag holds one from
// the Ahead that computes it to the next, which returns it to the
// engine's pool: a resting tag, with an epoch every few seconds, mostly
// holds none.
type ahead struct {
	t   tracker
	pcg rand.PCG
	// end is the epoch's end; 0 when there is none to adopt (adopted, or
	// discarded by a sighting that came for it afterwards).
	end   int64
	sp    span // in the arena of worker sp.w
	still uint64
}

func newAhead() *ahead {
	a := &ahead{}
	a.t = tracker{pcg: &a.pcg, rng: rand.New(&a.pcg)}
	return a
}

// arena holds what one worker computed during the last Ahead, until the
// next.
type arena struct {
	out []Position
	buf obsBuf
}

// Ahead computes now the epoch after Flush's watermark of every tag with
// sightings in it (and none before it to finalise), instead of at the
// barrier that finalises the epoch: a live server calls it right after
// Flush, so that the next Flush mostly adopts what Ahead computed and the
// work of a whole epoch lies off the path from its falling due to its
// positions and events. Nothing is output or learned until that barrier,
// where each tag's result is adopted in the tag's place in the work list.
//
// It computes up to slice tags per worker and reports whether tags remain:
// the caller takes the sightings that came meanwhile (Add) and calls it
// again, so that a live server goes on taking batches while it computes
// ahead. The first call after Flush's watermark has moved on begins the
// list anew; its tags not computed by then are computed when due. It
// computes on every worker but one (docs/performance.md: with both cores
// of two, the store write of the epoch before waited for one, and its
// events with it).
//
// An epoch reads only what was learned from the epochs before it
// (calibration.at, radioLearner.at), all finalised and committed by the
// Flush before Ahead (a barrier since, at the same watermark, commits
// only later epochs of tags its own sightings closed), so a tag's result
// is the same whether or not it was computed ahead: the output does not
// depend on calling Ahead. A sighting that comes for the epoch after the
// tag was computed (a late one, within the lateness) discards the tag's
// result (Stats.AheadDiscarded), and the barrier computes the epoch as it
// would have; one that comes before is computed with the rest.
func (e *Engine) Ahead(slice int) (more bool) {
	if e.flushed == math.MinInt64 {
		return false
	}
	if e.flushed != e.aheadAt {
		e.beginAhead()
	}
	end := e.flushed + e.cfg.EpochMS
	todo := e.ahead[e.aheadNext:]
	if len(todo) == 0 {
		return false
	}
	nw := min(len(e.workers)-1, len(todo))
	if nw < 1 || len(todo) < minParallel {
		nw = 1
	}
	todo = todo[:min(len(todo), nw*max(slice, 1))]
	e.aheadNext += len(todo)
	// a tag read since the list began (Current) may have had its sightings
	// of the epoch computed already
	due := func(t *tracker) bool { return len(t.pending) > 0 && t.firstEnd == end }
	for _, t := range todo {
		if due(t) {
			e.stats.Ahead++
		}
	}
	parallel(nw, len(todo), max(1, min(64, len(todo)/(4*nw))), func(k, i int) {
		if t := todo[i]; due(t) {
			e.workers[k].computeAhead(int32(k), t, end)
		}
	})
	return e.aheadNext < len(e.ahead)
}

// beginAhead begins Ahead's list for the epoch after Flush's watermark:
// the tags with sightings in it and none before.
func (e *Engine) beginAhead() {
	e.aheadAt = e.flushed
	// the last Ahead's results were adopted at the barriers since, or
	// discarded; one not adopted (its tag held back) is discarded now, as
	// the arenas are reused
	for _, t := range e.ahead {
		if a := t.ahead; a != nil {
			if a.end != 0 {
				e.stats.AheadDiscarded++
			}
			a.end = 0
			e.aheadFree = append(e.aheadFree, a)
			t.ahead = nil
		}
	}
	clear(e.ahead)
	for i := range e.arenas {
		ar := &e.arenas[i]
		clear(ar.out) // drop the tag strings
		ar.out = ar.out[:0]
		ar.buf.reset()
	}
	end := e.flushed + e.cfg.EpochMS
	list := e.ahead[:0]
	for _, t := range e.dirty {
		if len(t.pending) == 0 || t.firstEnd != end {
			continue
		}
		if n := len(e.aheadFree); n > 0 {
			t.ahead, e.aheadFree = e.aheadFree[n-1], e.aheadFree[:n-1]
		} else {
			t.ahead = newAhead()
		}
		t.ahead.t.tag = t.tag
		list = append(list, t)
	}
	clear(e.aheadFree) // the pool holds no more than one Ahead's worth
	e.aheadFree = e.aheadFree[:0]
	e.ahead, e.aheadNext = list, 0
}

// computeAhead computes t's epochs up to end into t.ahead and the
// arena of worker k (w), leaving t as it is.
func (w *worker) computeAhead(k int32, t *tracker, end int64) {
	a := t.ahead
	a.t.copyState(t)
	w.pending = append(w.pending[:0], t.pending...)
	a.t.pending, a.t.firstEnd = w.pending, t.firstEnd
	w.buf.mark()
	w.advance(&a.t, end)
	w.pending, a.t.pending = a.t.pending, nil
	a.end = end
	ar := &w.arenas[k]
	a.sp = span{w: k, out0: int32(len(ar.out)), obs0: int32(len(ar.buf.obs))}
	ar.out = append(ar.out, w.out...)
	for _, o := range w.buf.obs {
		ar.buf.obs = append(ar.buf.obs, o.moveTo(&ar.buf, w.buf.pws))
	}
	a.sp.out1, a.sp.obs1 = int32(len(ar.out)), int32(len(ar.buf.obs))
	a.still = w.ctx.stats.StillUpdates
	w.ctx.stats.StillUpdates = 0
	clear(w.out)
	w.out = w.out[:0]
	w.buf.reset()
}

// moveTo returns o as it is in b, the rest of a radio observation (in
// pws) appended to b's.
func (o observation) moveTo(b *obsBuf, pws []float64) observation {
	if o.kind == obsRadio {
		rest := pws[o.at : int(o.at)+2+int(o.npw)]
		o.at = int32(len(b.pws))
		b.pws = append(b.pws, rest...)
	}
	return o
}

// adopt makes what Ahead computed for t its own, as if w computed it now:
// the state, the sightings taken, the positions and observations.
func (w *worker) adopt(t *tracker, a *ahead) {
	t.moveState(&a.t)
	w.ctx.like.obs = t.take(a.end, w.ctx.cfg.EpochMS, w.ctx.like.obs)
	ar := &w.arenas[a.sp.w]
	w.out = append(w.out, ar.out[a.sp.out0:a.sp.out1]...)
	for _, o := range ar.buf.obs[a.sp.obs0:a.sp.obs1] {
		w.buf.obs = append(w.buf.obs, o.moveTo(&w.buf, ar.buf.pws))
	}
	w.buf.mark()
	w.ctx.stats.StillUpdates += a.still
	a.end = 0
}

// parallel calls fn(k, i) for every i in [0, n) on workers goroutines (k
// numbers the goroutine), each taking chunk indices at a time from a
// shared counter, and returns when all are done.
func parallel(workers, n, chunk int, fn func(k, i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for k := range workers {
		wg.Go(func() {
			for {
				hi := int(next.Add(int64(chunk)))
				lo := hi - chunk
				if lo >= n {
					return
				}
				for i := lo; i < min(hi, n); i++ {
					fn(k, i)
				}
			}
		})
	}
	wg.Wait()
}

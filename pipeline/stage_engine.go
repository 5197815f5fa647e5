package pipeline

import (
	"context"
	"errors"
	"time"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/alert"
	"github.com/hospitalrtls/rtls/location/geofence"
)

// stageMsg is what the engine stage hands the geofence stage, in order.
type stageMsg struct {
	positions []location.Position
	// events are DURESS and LOW_BATTERY events (their Class is filled by
	// the geofence stage); batteries the changed battery levels.
	events    []geofence.Event
	batteries []alert.Battery
	// tick is set for a tick: wm is its watermark and done the number of
	// ingested batches processed once its update is written. Otherwise
	// the message carries urgent events to write at once.
	tick bool
	wm   int64
	done uint64
	// flushed is the watermark the engine was flushed at (0: none, as at
	// a stop): stored with the update as store.Update.Watermark, the
	// progress an ingest log is resumed from.
	flushed int64
	// dues are when the epochs this tick finalised fell due, for
	// rtls_pipeline_epoch_delay_seconds.
	dues []time.Time
}

// engineState is the engine stage's.
type engineState struct {
	adm        *admission
	lastExpire int64 // watermark of the last store expiry
	events     []geofence.Event
	// added lists the batches given to the engine whose sightings may not
	// all be finalised yet, oldest first; done is the number of the
	// newest batch known processed.
	added []addedBatch
	done  uint64
	// hold is the tags' hold (Engine.HoldFrom; math.MaxInt64: none);
	// newest the newest event time taken.
	hold, newest int64
	// lastEnd is the end of the newest epoch finalised.
	lastEnd int64
	// ahead is the engine's counters when noteAhead last read them;
	// aheadMore is set while the engine has tags left to compute ahead.
	ahead     location.Stats
	aheadMore bool
}

type addedBatch struct {
	n     uint64
	maxTS int64
}

// engRead is a read of the location engine run by the engine stage.
type engRead struct {
	fn   func()
	done chan struct{}
}

// runEngine is the engine stage: it owns the location engine, the tag
// policy and the alert detector until ctx ends, then hands over what the
// engine computed and closes out.
func (p *Pipeline) runEngine(ctx context.Context, out chan<- stageMsg) {
	defer close(out)
	t := time.NewTicker(p.cfg.Tick)
	defer t.Stop()
	due := time.NewTimer(p.untilDue())
	defer due.Stop()
	for {
		// the engine computes ahead a slice at a time, between whatever
		// else is ready, so that batches do not wait for all of it
		var ahead <-chan struct{}
		if p.engine.aheadMore {
			ahead = readyChan
		}
		select {
		case <-ahead:
			p.aheadSlice()
		case <-due.C:
			p.tick(out)
			due.Reset(p.untilDue())
		case <-p.expect.raised:
			// the log's consumer moved the hold on: an epoch may be due
			p.tick(out)
		case <-p.q.ready:
			p.holdFrom(p.cfg.Clock())
			if p.take(p.q.depth()) {
				p.send(out, stageMsg{}) // a DURESS does not wait for the tick
			}
		case r := <-p.engReads:
			r.fn()
			close(r.done)
		case <-t.C:
			p.tick(out)
		case <-ctx.Done():
			p.q.close()
			p.take(p.q.depth())
			ps := p.eng.Drain()
			p.metrics.positions.Add(float64(len(ps)))
			p.send(out, stageMsg{positions: ps, tick: true, wm: p.watermark(), done: p.engine.done})
			return
		}
	}
}

// untilDue is how long until the wall clock's watermark passes the end of
// the next epoch: the engine stage ticks then, so an epoch is finalised
// when it is due, not up to a Tick later.
func (p *Pipeline) untilDue() time.Duration {
	wm := p.watermark()
	next := (floorDiv(wm, p.epochMS) + 1) * p.epochMS
	return time.Duration(next-wm+1) * time.Millisecond
}

// tick takes what queued, finalises the epochs the watermark passed
// (held back for queued batches and expected sightings) and hands the
// positions on.
func (p *Pipeline) tick(out chan<- stageMsg) {
	now := p.cfg.Clock()
	p.expect.expire()
	h := p.holdFrom(now)
	p.noteHold(now, h)
	// Sightings that queued meanwhile at or before the watermark go in
	// before it moves on; newer ones (readers posting the second that
	// just ended) once the positions are handed on.
	target := min(p.watermark(), h-1)
	p.take(p.q.behind(target))
	p.q.beginTick(p.cfg.Clock())
	wm := p.q.hold(target)
	ps := p.eng.Flush(wm)
	if a := p.cfg.Alerts; a != nil {
		a.Expire(wm)
	}
	p.metrics.positions.Add(float64(len(ps)))
	p.metrics.tags.Set(float64(p.eng.Stats().Tags))
	p.send(out, stageMsg{positions: ps, tick: true, wm: wm, done: p.finished(wm), flushed: wm, dues: p.finalised(wm)})
	if p.take(p.q.depth()) {
		p.send(out, stageMsg{}) // a DURESS does not wait for the tick
	}
	// The next epoch is computed now, while the geofence stage and the
	// store write this one: when it falls due, the tick mostly commits it.
	// Its first slice here, the rest between the batches that come
	// meanwhile (runEngine). Not while the engine is behind (it refused
	// batches in the last epoch) or the watermark is held back an epoch or
	// more (for refused batches expected back, or queued ones): their
	// sightings, retried, would discard what was computed, and the engine
	// would do the work twice when it has the least time for it.
	epoch := time.Duration(p.epochMS) * time.Millisecond
	p.engine.aheadMore = false
	if !p.shed.OpenedSince(now.Add(-epoch)) && p.watermark()-wm < p.epochMS {
		p.aheadSlice()
	}
	p.q.endTick(p.cfg.Clock())
	p.expire(wm)
}

// finalised returns when the epochs the watermark wm finalises anew fell
// due (the newest maxDelayEpochs of them; only the newest after a start),
// and records how long ago that was.
func (p *Pipeline) finalised(wm int64) []time.Time {
	end := floorDiv(wm, p.epochMS) * p.epochMS
	if end <= p.engine.lastEnd {
		return nil
	}
	from := max(end-(maxDelayEpochs-1)*p.epochMS, p.engine.lastEnd+p.epochMS)
	if p.engine.lastEnd == 0 {
		from = end
	}
	p.engine.lastEnd = end
	now := p.cfg.Clock()
	var dues []time.Time
	for e := from; e <= end; e += p.epochMS {
		due := time.UnixMilli(e + p.lateness)
		p.metrics.epochDelay.WithLabelValues("flushed").Observe(max(0, now.Sub(due).Seconds()))
		dues = append(dues, due)
	}
	return dues
}

// aheadSlice computes the next slice of the engine's next epoch ahead
// (location.Engine.Ahead).
func (p *Pipeline) aheadSlice() {
	p.engine.aheadMore = p.eng.Ahead(aheadSliceTags)
	p.noteAhead()
}

// aheadSliceTags is how many tags per worker the engine computes ahead
// before it looks for batches again: at about 45 µs of CPU a tag, about
// 12 ms of CPU a slice (under load a slice took up to 77 ms of wall time,
// docs/performance.md).
const aheadSliceTags = 256

// readyChan is always ready to receive from.
var readyChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// noteAhead counts the epochs the engine computed ahead and discarded
// since the last call.
func (p *Pipeline) noteAhead() {
	st := p.eng.Stats()
	p.metrics.ahead.WithLabelValues("computed").Add(float64(st.Ahead - p.engine.ahead.Ahead))
	p.metrics.ahead.WithLabelValues("discarded").Add(float64(st.AheadDiscarded - p.engine.ahead.AheadDiscarded))
	p.engine.ahead = st
}

// maxDelayEpochs bounds the epochs one tick records in the epoch delay
// (a tick after a long hold finalises many at once).
const maxDelayEpochs = 64

// send hands m, with the alert events and battery changes collected so
// far, to the geofence stage.
func (p *Pipeline) send(out chan<- stageMsg, m stageMsg) {
	m.events, p.engine.events = p.engine.events, nil
	if a := p.cfg.Alerts; a != nil {
		m.batteries = a.TakeChanged()
	}
	out <- m
}

// take gives up to n queued batches to the engine; it reports whether an
// urgent event is pending.
func (p *Pipeline) take(n int) (urgent bool) {
	start, taken := p.cfg.Clock(), 0
	for range n {
		b, ok := p.q.pop(p.metrics)
		if !ok {
			break
		}
		urgent = p.add(b) || urgent
		p.engine.newest = max(p.engine.newest, b.maxTS)
		p.expect.took(b.ss[0].Reader, b.maxTS, b.maxTS >= max(p.engine.newest, start.UnixMilli())-p.lateness)
		p.engine.added = append(p.engine.added, addedBatch{n: b.n, maxTS: b.maxTS})
		taken += len(b.ss)
	}
	p.q.noteCost(p.cfg.Clock().Sub(start), taken)
	p.noteCap()
	return urgent
}

// add gives a batch's sightings to the engine and their button and
// battery reports to the alerts; it reports whether an urgent event is
// pending.
func (p *Pipeline) add(b queued) (urgent bool) {
	for _, s := range b.ss {
		err := p.engine.adm.admit(p.eng, s)
		if err == nil {
			err = p.eng.Add(s)
			if errors.Is(err, location.ErrLate) && s.TS <= b.behind {
				err = errLateOnArrival
			}
		} else {
			// a tag the policy does not track keeps no battery state, but
			// its duress button still counts
			s.HasBattery = false
		}
		p.metrics.count(err)
		if (s.Button || s.HasBattery) && p.cfg.Alerts != nil {
			urgent = p.alert(s) || urgent
		}
	}
	return urgent
}

// finished returns the number of the newest batch whose sightings are all
// at or before the finalised watermark wm (and of every batch before it).
func (p *Pipeline) finished(wm int64) uint64 {
	e := &p.engine
	limit := floorDiv(wm, p.epochMS) * p.epochMS
	i := 0
	for i < len(e.added) && e.added[i].maxTS <= limit {
		e.done = e.added[i].n
		i++
	}
	e.added = append(e.added[:0], e.added[i:]...)
	return e.done
}

// noteCap logs once when the engine reaches the tag cap and once when it
// leaves it; no tag ids.
func (p *Pipeline) noteCap() {
	tags := p.eng.Stats().Tags
	adm := p.engine.adm
	reached, changed := adm.capReached(tags)
	if !changed {
		return
	}
	if reached {
		p.metrics.tagCap.Set(1)
		p.log.Warn("tracked tag cap reached: sightings of new tags are dropped until tags expire",
			"max_tags", adm.policy.MaxTags, "retention", time.Duration(p.evictMS)*time.Millisecond)
		return
	}
	p.metrics.tagCap.Set(0)
	p.log.Info("tracked tags below the cap again: new tags are taken", "tags", tags, "max_tags", adm.policy.MaxTags)
}

// expire asks the writer, once a minute of watermark, to delete from the
// store the tags the engine forgets: those without a position for
// EvictAfterMS.
func (p *Pipeline) expire(wm int64) {
	if wm-p.engine.lastExpire < 60_000 {
		return
	}
	p.engine.lastExpire = wm
	p.wr.expireBefore(wm - p.evictMS)
}

// readEngine runs fn, which only reads the location engine, on the
// engine stage.
func (p *Pipeline) readEngine(ctx context.Context, fn func()) error {
	r := engRead{fn: fn, done: make(chan struct{})}
	select {
	case p.engReads <- r:
	case <-p.stopped:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

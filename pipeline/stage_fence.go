package pipeline

import (
	"time"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/trail"
	"github.com/hospitalrtls/rtls/store"
)

// fenceState is the geofence stage's.
type fenceState struct {
	thin *trail.Thinner
	// pending collects what the next update carries; newest is the latest
	// event time of a position seen.
	pending store.Update
	newest  int64
	// lastExpire is the watermark of the last geofence expiry.
	lastExpire int64
	// config is the copy of the stored configuration (see RestoreConfig).
	config map[string]map[string][]byte
}

// runFence is the geofence stage: it owns the geofence engine, the trail
// thinner and the analytics, runs the admin commands and builds the
// updates the writer writes, until the engine stage closes in.
func (p *Pipeline) runFence(in <-chan stageMsg) {
	for {
		select {
		case m, ok := <-in:
			if !ok {
				return
			}
			p.absorb(m)
		case c := <-p.cmds:
			p.execute(c)
		}
	}
}

// absorb takes one message of the engine stage: a tick's positions and
// watermark, or urgent events to write at once.
func (p *Pipeline) absorb(m stageMsg) {
	f := &p.geofences
	for _, e := range m.events {
		if t, ok := p.fence.Tag(e.Tag); ok {
			e.Class = t.Class
		}
		f.pending.Events = append(f.pending.Events, e)
	}
	f.pending.Batteries = append(f.pending.Batteries, m.batteries...)
	if m.tick {
		p.step(m.positions, m.wm)
	}
	f.pending.Watermark = m.flushed
	p.commit(nil, m.done, m.dues)
	if m.tick {
		p.metrics.ticks.Inc()
	}
}

// step runs the geofence rules over new positions and the passing of
// event time up to wm into the pending update.
func (p *Pipeline) step(ps []location.Position, wm int64) {
	f := &p.geofences
	u := &f.pending
	u.Positions = append(u.Positions, ps...)
	for _, pos := range ps {
		f.newest = max(f.newest, pos.TS)
		u.Events = append(u.Events, p.fence.Observe(pos)...)
		if f.thin.Keep(pos) {
			u.Trail = append(u.Trail, pos)
		}
	}
	u.Events = append(u.Events, p.fence.Tick(wm)...)
	// Once a minute of watermark the geofence forgets the tags the engine
	// forgets (once their silence has been reported): the closing events
	// and the deletion of their state parts go in this update.
	if wm-f.lastExpire >= 60_000 {
		f.lastExpire = wm
		u.Events = append(u.Events, p.fence.Expire(wm-p.evictMS, wm)...)
	}
}

// commit seals the pending update with the geofence state it leads to and
// hands it to the writer; done, when not nil, is told whether it was
// written (see writer.put), progress is the ingested batches it completes,
// dues when the epochs it finalises fell due.
func (p *Pipeline) commit(done chan<- error, progress uint64, dues []time.Time) {
	f := &p.geofences
	u := f.pending
	f.pending = store.Update{}
	u.Fence = p.fence.TakeDirty()
	p.takeStatusChanges(&u)
	u.Visits = append(u.Visits, p.fence.TakeVisits()...)
	if a := p.cfg.Analytics; a != nil {
		a.Visits(u.Visits)
		a.Statuses(u.StatusChanges)
		a.Advance(f.newest)
		u.Analytics = append(u.Analytics, a.Take()...)
	}
	p.noteConfig(u.Config)
	p.wr.put(u, done, progress, dues)
}

// takeStatusChanges moves the engine's status changes into u, with the
// registry entries they changed (stored as configuration, so that a
// restart keeps the statuses).
func (p *Pipeline) takeStatusChanges(u *store.Update) {
	changes := p.fence.TakeStatusChanges()
	if len(changes) == 0 {
		return
	}
	u.StatusChanges = append(u.StatusChanges, changes...)
	for _, c := range changes {
		t, ok := p.fence.Tag(c.Tag)
		if !ok {
			continue
		}
		cfg, err := configChange(store.ConfigTag, t.ID, t)
		if err != nil { // a Tag always encodes
			p.log.Error("cannot encode a tag", "err", err)
			continue
		}
		u.Config = append(u.Config, cfg...)
	}
}

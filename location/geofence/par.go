package geofence

// parLevel is what a PAR rule last reported.
type parLevel uint8

// PAR levels.
const (
	parUnknown parLevel = iota // not judged yet
	parOK                      // at or above MinCount
	parBelow                   // below MinCount: BELOW_PAR was emitted
)

// parState is the state of a PAR rule.
type parState struct {
	level   parLevel
	count   int
	dirty   bool   // memberships in the target changed in this call
	timed   bool   // at is set
	at      int64  // event time of the newest change
	trigger string // cause of the newest change
	last    int64  // time of the rule's newest event; later ones are not earlier
	// inside counts, per tag counted, the target zones it is inside; the
	// count is its size. It is kept up to date with each entry and exit,
	// and rebuilt when stale (after changes of rules, zones or registry).
	inside map[*tagState]int32
	stale  bool
}

// markPar notes that the count of a PAR rule may have changed at time at.
func (e *Engine) markPar(r *ruleState, at int64, trigger string) {
	p := &r.par
	if !p.timed || at >= p.at {
		p.at, p.timed, p.trigger = at, true, trigger
	}
	p.dirty = true
	e.parDirty = true
}

// markAllPar notes that every PAR count must be rebuilt, at a time not
// known: they are judged at the time of the next call that judges.
func (e *Engine) markAllPar() {
	for _, r := range e.par {
		r.par.dirty, r.par.stale = true, true
	}
	e.parDirty = true
}

// parEnter counts a tag that entered one of a PAR rule's zones at time at.
func (e *Engine) parEnter(r *ruleState, t *tagState, at int64, trigger string) {
	if !r.par.stale {
		r.par.inside[t]++
	}
	e.markPar(r, at, trigger)
}

// parExit uncounts a tag that left one of a PAR rule's zones at time at.
func (e *Engine) parExit(r *ruleState, t *tagState, at int64, trigger string) {
	if !r.par.stale {
		if n := r.par.inside[t] - 1; n > 0 {
			r.par.inside[t] = n
		} else {
			delete(r.par.inside, t)
		}
	}
	e.markPar(r, at, trigger)
}

// judgePar recounts the PAR rules whose count may have changed and emits
// BELOW_PAR when a count falls below its rule's MinCount and PAR_RESTORED
// when it is back: once per crossing. Rules not judged yet are judged once
// the engine is warm. Counts are judged once per call, so a dip and recovery
// within one call emits nothing.
func (e *Engine) judgePar(now int64) {
	if !e.parDirty {
		return
	}
	e.parDirty = false
	for _, r := range e.par {
		p := &r.par
		if !p.dirty && (p.level != parUnknown || !e.clk.warm) {
			continue
		}
		at, trig := now, TriggerCount
		if p.timed {
			at, trig = p.at, p.trigger
		}
		p.dirty, p.timed = false, false
		if p.stale {
			e.recountPar(r)
		}
		p.count = len(p.inside)
		if p.level == parUnknown && !e.clk.warm {
			continue
		}
		e.crossPar(r, at, trig)
	}
}

// crossPar emits the event of a PAR rule whose level changed.
func (e *Engine) crossPar(r *ruleState, at int64, trig string) {
	p := &r.par
	below := p.count < r.MinCount
	switch {
	case below && p.level != parBelow:
		p.level = parBelow
		e.emitPar(BelowPar, r, at, trig)
	case !below && p.level == parBelow:
		p.level = parOK
		e.emitPar(ParRestored, r, at, trig)
	case !below:
		p.level = parOK
	}
}

// recountPar rebuilds the tags a PAR rule counts: those of its class (and
// type) inside its target zones, in the rule's view.
func (e *Engine) recountPar(r *ruleState) {
	r.par.stale = false
	r.par.inside = make(map[*tagState]int32)
	for _, z := range r.zones {
		vi := z.viewOf(r.deb)
		if vi < 0 {
			continue
		}
		for t := range z.tags {
			if m := t.member(z); m != nil && m.view(vi).in && r.matches(&t.info) {
				r.par.inside[t]++
			}
		}
	}
}

// emitPar appends a count event of a PAR rule.
// Its time is not before the rule's previous event: a count that changed
// at a time before a crossing was reported is reported at that crossing.
func (e *Engine) emitPar(typ EventType, r *ruleState, at int64, trig string) {
	at = max(at, r.par.last)
	r.par.last = at
	e.out = append(e.out, Event{Type: typ, Zone: r.ZoneID, TS: at, Rule: r.ID, Trigger: trig, Class: r.TagClass, Count: r.par.count})
}

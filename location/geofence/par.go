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

// markAllPar notes that every PAR count may have changed, at a time not
// known: they are judged at the time of the next call that judges.
func (e *Engine) markAllPar() {
	for _, r := range e.par {
		r.par.dirty = true
	}
	e.parDirty = true
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
		p.count = e.countPar(r)
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

// countPar counts the distinct tags of the rule's class (and type) inside
// its target zones, in the rule's view.
func (e *Engine) countPar(r *ruleState) int {
	e.gen++
	n := 0
	for _, z := range r.zones {
		vi := z.viewOf(r.deb)
		if vi < 0 {
			continue
		}
		for t := range z.tags {
			if t.mark == e.gen || !r.matches(&t.info) {
				continue
			}
			if m := t.member(z); m != nil && m.view(vi).in {
				t.mark = e.gen
				n++
			}
		}
	}
	return n
}

// emitPar appends a count event of a PAR rule.
// Its time is not before the rule's previous event: a count that changed
// at a time before a crossing was reported is reported at that crossing.
func (e *Engine) emitPar(typ EventType, r *ruleState, at int64, trig string) {
	at = max(at, r.par.last)
	r.par.last = at
	e.out = append(e.out, Event{Type: typ, Zone: r.ZoneID, TS: at, Rule: r.ID, Trigger: trig, Class: r.TagClass, Count: r.par.count})
}

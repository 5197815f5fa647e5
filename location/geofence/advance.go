package geofence

// advance brings a tag to event time now: pending changes that have held
// for their debounce take effect (trig names the cause), DWELL deadlines up
// to now fire and so do ABSENCE deadlines after the tag's clock.
func (e *Engine) advance(t *tagState, now int64, trig string) {
	for i := range t.members {
		m := &t.members[i]
		for vi := range m.nviews() {
			e.advanceView(t, m.z, vi, m.view(vi), now, trig)
		}
	}
	e.checkAbsence(t, now)
	t.clock = max(t.clock, now)
	e.prune(t)
	e.touch(t)
}

// advanceView handles one view of a member up to now. DWELL is judged
// before a pending exit takes effect, and only up to the exit's time: a stay
// ends where the tag was first seen outside.
func (e *Engine) advanceView(t *tagState, z *zoneState, vi int, v *view, now int64, trig string) {
	if v.in {
		upper := now
		if v.pend {
			upper = min(upper, v.pendAt)
		}
		e.dwell(t, z, vi, v, upper)
	}
	if !v.pend || v.pendAt+z.debounce[vi] > now {
		return
	}
	at := v.pendAt
	v.pend = false
	if v.in {
		v.in = false
		e.exited(t, z, vi, at, trig)
		if vi == 0 && z.room {
			e.closeVisit(t, z, v.since, at)
		}
		return
	}
	v.in, v.since, v.dwellDone = true, at, at
	e.entered(t, z, vi, at, trig)
	if vi == 0 && z.room {
		e.openVisit(t, z, at)
	}
	e.dwell(t, z, vi, v, now)
}

// entered emits what a tag's entry into z (in view vi) at time at causes.
func (e *Engine) entered(t *tagState, z *zoneState, vi int, at int64, trig string) {
	e.statusEntered(t, z, vi, at)
	if vi == 0 && e.defaultOn {
		e.emit(Enter, t, z.z.ID, "", at, trig)
	}
	for _, r := range z.rules[vi] {
		if !r.matches(&t.info) {
			continue
		}
		switch r.Type {
		case RuleEnter:
			e.emit(Enter, t, z.z.ID, r.ID, at, trig)
		case RuleRestricted:
			e.emit(Restricted, t, z.z.ID, r.ID, at, trig)
		case RulePar:
			e.parEnter(r, t, at, TriggerCount)
		}
	}
}

// exited emits what a tag's exit from z (in view vi) at time at causes.
func (e *Engine) exited(t *tagState, z *zoneState, vi int, at int64, trig string) {
	if vi == 0 && e.defaultOn {
		e.emit(Exit, t, z.z.ID, "", at, trig)
	}
	for _, r := range z.rules[vi] {
		if !r.matches(&t.info) {
			continue
		}
		switch r.Type {
		case RuleExit:
			e.emit(Exit, t, z.z.ID, r.ID, at, trig)
		case RulePar:
			e.parExit(r, t, at, TriggerCount)
		}
	}
}

// dwell fires the DWELL rules of a view whose threshold falls after the
// view's handled time and at or before upper, then moves that time on.
func (e *Engine) dwell(t *tagState, z *zoneState, vi int, v *view, upper int64) {
	if upper <= v.dwellDone {
		return
	}
	e.statusDwell(t, z, vi, v, upper)
	for _, r := range z.rules[vi] {
		if r.Type != RuleDwell || !r.matches(&t.info) {
			continue
		}
		if at := v.since + r.dur; at > v.dwellDone && at <= upper {
			e.emit(Dwell, t, z.z.ID, r.ID, at, TriggerDwell)
		}
	}
	v.dwellDone = upper
}

// checkAbsence fires the ABSENCE rules whose deadline (newest position plus
// the rule's duration) falls after the tag's clock and at or before now.
func (e *Engine) checkAbsence(t *tagState, now int64) {
	e.statusAbsence(t, now)
	if !t.seen {
		return
	}
	for _, r := range e.absence {
		if at := t.last + r.dur; at > t.clock && at <= now && r.matches(&t.info) {
			if zone, ok := e.absenceZone(r, t); ok {
				e.emit(Absence, t, zone, r.ID, at, TriggerAbsence)
			}
		}
	}
}

// absenceZone returns the zone an ABSENCE rule reports a silent tag in: the
// first (by id) target zone the tag is inside, or for a rule without target
// the tag's room ("" when none). ok is false when the rule does not cover
// the tag.
func (e *Engine) absenceZone(r *ruleState, t *tagState) (string, bool) {
	untargeted := r.ZoneID == "" && r.Group == nil
	best, found := "", false
	for i := range t.members {
		m := &t.members[i]
		if untargeted {
			if m.z.room && m.v0.in {
				return m.z.z.ID, true
			}
			continue
		}
		vi := m.z.viewOf(r.deb)
		if vi < 0 || !m.view(vi).in || !r.targets(m.z) {
			continue
		}
		if !found || m.z.z.ID < best {
			best, found = m.z.z.ID, true
		}
	}
	return best, found || untargeted
}

// emit appends an event about tag t.
func (e *Engine) emit(typ EventType, t *tagState, zone, rule string, at int64, trig string) {
	e.out = append(e.out, Event{Type: typ, Tag: t.id, Zone: zone, TS: at, Rule: rule, Trigger: trig, Class: t.info.Class})
}

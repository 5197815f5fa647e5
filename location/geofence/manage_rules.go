package geofence

import "fmt"

// coverKey is a tag inside a zone that a rule watches.
type coverKey struct {
	t *tagState
	z *zoneState
}

// setRule validates a rule and creates it, or replaces the rule with its id,
// at event time now. It fails with a *ValidationError naming the field for
// an invalid rule or a zone id the engine does not hold. It returns the
// events the change causes, in order:
//   - EXIT (trigger "rule_removed") for tags an ENTER or EXIT rule watched
//     inside its target that the new version no longer watches;
//   - PAR_RESTORED ("rule_removed") when a PAR rule below par stops being
//     one, and BELOW_PAR ("count") when a new PAR rule finds too few tags;
//   - DWELL or ABSENCE ("rule_added") for tags already past a new duration.
//
// Tags already inside a new ENTER rule's target get no ENTER.
func (e *Engine) setRule(r Rule, now int64) ([]Event, error) {
	r = normalizeRule(r)
	if err := Validate(r); err != nil {
		return nil, err
	}
	return e.putRule(r, now)
}

// CreateRule is setRule for a new rule: an id in use fails with ErrExists
// and changes nothing. The check and the put are one call, so that of
// concurrent creates of one id (serialized by the engine's owner) exactly
// one succeeds.
func (e *Engine) CreateRule(r Rule, now int64) ([]Event, error) {
	if e.rules[r.ID] != nil {
		return nil, fmt.Errorf("%w: rule %q", ErrExists, r.ID)
	}
	return e.setRule(r, now)
}

// UpdateRule is setRule for a rule the engine holds: an unknown id fails
// with ErrUnknownRule and changes nothing.
func (e *Engine) UpdateRule(r Rule, now int64) ([]Event, error) {
	if r.ID != "" && e.rules[r.ID] == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownRule, r.ID)
	}
	return e.setRule(r, now)
}

// putRule puts a normalized, valid rule.
func (e *Engine) putRule(r Rule, now int64) ([]Event, error) {
	if field, zone, ok := e.unknownRef(r); ok {
		return nil, &ValidationError{Kind: "rule", ID: r.ID, Field: field,
			Msg: fmt.Sprintf("unknown zone %q", zone), err: ErrUnknownZone}
	}
	old := e.rules[r.ID]
	before := e.coverage(old)
	oldDwell, oldAbsence := e.pastDwell(old), e.pastAbsence(old)
	rs := e.newRuleState(r)
	if old != nil && old.Type == RulePar && r.Type == RulePar && old.Enabled && r.Enabled {
		rs.par = old.par
		e.markPar(rs, now, TriggerCount)
	} else if old != nil {
		e.clearPar(old, now)
	}
	e.rules[r.ID] = rs
	e.reindex()
	e.exitUncovered(old, before, e.coverage(rs), now)
	e.catchUpDwell(rs, oldDwell, now)
	e.catchUpAbsence(rs, oldAbsence, now)
	e.scheduleAll()
	e.judgePar(now)
	return e.result(), nil
}

// DeleteRule deletes a rule at event time now and returns its clearing
// events: EXIT ("rule_removed") for every tag an ENTER or EXIT rule watched
// inside its target, PAR_RESTORED for a PAR rule below par; none for the
// other types. It returns ErrUnknownRule for an id it does not hold.
func (e *Engine) DeleteRule(id string, now int64) ([]Event, error) {
	old := e.rules[id]
	if old == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownRule, id)
	}
	before := e.coverage(old)
	e.clearPar(old, now)
	delete(e.rules, id)
	e.reindex()
	e.exitUncovered(old, before, nil, now)
	e.scheduleAll()
	e.judgePar(now)
	return e.result(), nil
}

// coverage returns the tags inside the targets of an enabled ENTER or EXIT
// rule that it watches.
func (e *Engine) coverage(r *ruleState) map[coverKey]bool {
	if r == nil || !r.Enabled || (r.Type != RuleEnter && r.Type != RuleExit) {
		return nil
	}
	out := make(map[coverKey]bool)
	for _, z := range r.zones {
		vi := z.viewOf(r.deb)
		for t := range z.tags {
			if m := t.member(z); m != nil && vi >= 0 && m.view(vi).in && r.matches(&t.info) {
				out[coverKey{t, z}] = true
			}
		}
	}
	return out
}

// exitUncovered emits EXIT for the tags old watched that cur does not.
func (e *Engine) exitUncovered(old *ruleState, before, cur map[coverKey]bool, now int64) {
	for k := range before {
		if !cur[k] {
			e.emit(Exit, k.t, k.z.z.ID, old.ID, now, TriggerRuleRemoved)
		}
	}
}

// clearPar emits PAR_RESTORED for a PAR rule that was below par and is going
// away.
func (e *Engine) clearPar(r *ruleState, now int64) {
	if r.Type == RulePar && r.Enabled && r.par.level == parBelow {
		e.emitPar(ParRestored, r, now, TriggerRuleRemoved)
	}
}

// tagNow returns the event time up to which a tag's deadlines are handled:
// its own clock, or the newest Tick, which handled every deadline up to its
// time.
func (e *Engine) tagNow(t *tagState) int64 {
	if e.clk.ticked {
		return max(t.clock, e.clk.tick)
	}
	return t.clock
}

// stayDone returns the time up to which a stay's DWELL deadlines are
// handled: the tag's time, but not past a pending exit.
func (e *Engine) stayDone(t *tagState, v *view) int64 {
	done := e.tagNow(t)
	if v.pend {
		done = min(done, v.pendAt)
	}
	return max(done, v.dwellDone)
}

// pastDwell returns the stays for which an enabled DWELL rule has fired.
func (e *Engine) pastDwell(r *ruleState) map[coverKey]bool {
	if r == nil || !r.Enabled || r.Type != RuleDwell {
		return nil
	}
	out := make(map[coverKey]bool)
	e.eachStay(r, func(t *tagState, z *zoneState, v *view) {
		if v.since+r.dur <= e.stayDone(t, v) {
			out[coverKey{t, z}] = true
		}
	})
	return out
}

// catchUpDwell emits DWELL for stays already past a new or changed DWELL
// rule's duration, unless the old version fired for them, and marks the
// stays handled up to the tag's time.
func (e *Engine) catchUpDwell(r *ruleState, fired map[coverKey]bool, now int64) {
	if !r.Enabled || r.Type != RuleDwell {
		return
	}
	e.eachStay(r, func(t *tagState, z *zoneState, v *view) {
		done := e.stayDone(t, v)
		if v.since+r.dur <= done && !fired[coverKey{t, z}] {
			e.emit(Dwell, t, z.z.ID, r.ID, now, TriggerRuleAdded)
		}
		if v.dwellDone != done {
			v.dwellDone = done
			e.touch(t)
		}
	})
}

// eachStay calls f for every tag the rule watches inside one of its zones.
func (e *Engine) eachStay(r *ruleState, f func(*tagState, *zoneState, *view)) {
	for _, z := range r.zones {
		vi := z.viewOf(r.deb)
		if vi < 0 {
			continue
		}
		for t := range z.tags {
			if m := t.member(z); m != nil && m.view(vi).in && r.matches(&t.info) {
				f(t, z, m.view(vi))
			}
		}
	}
}

// pastAbsence returns the silent tags for which an enabled ABSENCE rule has
// fired.
func (e *Engine) pastAbsence(r *ruleState) map[*tagState]bool {
	if r == nil || !r.Enabled || r.Type != RuleAbsence {
		return nil
	}
	out := make(map[*tagState]bool)
	for _, t := range e.tags {
		if !t.seen || t.last+r.dur > e.tagNow(t) || !r.matches(&t.info) {
			continue
		}
		if _, ok := e.absenceZone(r, t); ok {
			out[t] = true
		}
	}
	return out
}

// catchUpAbsence emits ABSENCE for tags already silent for longer than a new
// or changed ABSENCE rule's duration, unless the old version fired for them,
// and moves their clock to the time that was handled.
func (e *Engine) catchUpAbsence(r *ruleState, fired map[*tagState]bool, now int64) {
	if !r.Enabled || r.Type != RuleAbsence {
		return
	}
	for _, t := range e.tags {
		tnow := e.tagNow(t)
		if !t.seen || t.last+r.dur > tnow || !r.matches(&t.info) {
			continue
		}
		if zone, ok := e.absenceZone(r, t); ok && !fired[t] {
			e.emit(Absence, t, zone, r.ID, now, TriggerRuleAdded)
		}
		if t.clock != tnow {
			t.clock = tnow
			e.touch(t)
		}
	}
}

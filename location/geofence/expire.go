package geofence

import (
	"container/heap"
	"slices"
	"strings"
)

// Expire forgets, at event time now, every tag whose newest position is
// older than before (the retention after which the location engine and
// the store forget a tag), and returns the events that closes, in order.
// Expiry is a closure, not a departure: for each zone the tag was inside,
// EXIT with trigger "expired" at now (one without rule with the default
// events on, one per ENTER or EXIT rule watching it there), PAR counts
// no longer count it (BELOW_PAR with trigger "expired" when that makes a
// count fall short), and its open room visit is closed at its newest
// position, the last time it was known there. Its state part becomes nil
// in the next TakeDirty, so the store deletes it with those events.
//
// Silence is reported before a tag is forgotten: deadlines up to now (the
// MISSING inference, ABSENCE rules) fire first, and a tag whose silence
// is still watched (such a deadline after now) is kept until it has
// passed. A tag seen again after its expiry is a new tag: its first
// stay gives a new ENTER and a new visit; a MISSING asset returns to its
// former status (trigger "found") as before. Expire looks at every tag
// held (the pipeline calls it once a minute of event time).
func (e *Engine) Expire(before, now int64) []Event {
	var gone []*tagState
	for _, t := range e.tags {
		if t.last < before && !e.silenceWatched(t, now) {
			gone = append(gone, t)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	slices.SortFunc(gone, func(a, b *tagState) int { return strings.Compare(a.id, b.id) })
	forgotten := make(map[*tagState]bool, len(gone))
	for _, t := range gone {
		e.advance(t, now, TriggerDebounce)
		e.forget(t, now)
		forgotten[t] = true
	}
	e.delta.dirty = slices.DeleteFunc(e.delta.dirty, func(t *tagState) bool { return forgotten[t] })
	e.judgePar(now)
	return e.result()
}

// silenceWatched reports whether a deadline on t's silence (the MISSING
// inference, an ABSENCE rule) falls after now.
func (e *Engine) silenceWatched(t *tagState, now int64) bool {
	if at := e.nextStatusAbsence(t); at != maxTime && at > now {
		return true
	}
	if !t.seen {
		return false
	}
	for _, r := range e.absence {
		if t.last+r.dur <= now || !r.matches(&t.info) {
			continue
		}
		if _, covered := e.absenceZone(r, t); covered {
			return true
		}
	}
	return false
}

// forget closes every membership of t at now and drops its state.
func (e *Engine) forget(t *tagState, now int64) {
	for i := range t.members {
		m := &t.members[i]
		e.closeMember(t, m, now)
		delete(m.z.tags, t)
	}
	if t.hidx >= 0 {
		heap.Remove(&e.due, t.hidx)
	}
	delete(e.tags, t.id)
	e.delta.gone = append(e.delta.gone, t.id)
}

// closeMember emits the closing events of t's stay in m's zone, in every
// view that holds it inside, uncounts it from PAR rules and closes its
// room visit.
func (e *Engine) closeMember(t *tagState, m *member, now int64) {
	z := m.z
	for vi := range m.nviews() {
		v := m.view(vi)
		if !v.in {
			continue
		}
		if vi == 0 {
			if e.defaultOn {
				e.emit(Exit, t, z.z.ID, "", now, TriggerExpired)
			}
			if z.room {
				e.closeVisit(t, z, v.since, max(t.last, v.since))
			}
		}
		for _, r := range z.rules[vi] {
			if !r.matches(&t.info) {
				continue
			}
			switch r.Type {
			case RuleEnter, RuleExit:
				e.emit(Exit, t, z.z.ID, r.ID, now, TriggerExpired)
			case RulePar:
				e.parExit(r, t, now, TriggerExpired)
			}
		}
	}
}

package geofence

import (
	"container/heap"
	"strings"
)

// Tick advances event time to now for every tag: pending changes that have
// held for their debounce take effect (trigger "debounce"), DWELL and
// ABSENCE deadlines up to now fire, and PAR levels are judged. It returns
// the events in order, nil when none. A Tick at or before the newest one
// does nothing.
//
// Call it with a watermark of event time (the newest time up to which every
// position has been observed): a tag a Tick handled up to now ignores later
// positions stamped before now. Tick costs O(k log n) for the k tags with a
// deadline due.
func (e *Engine) Tick(now int64) []Event {
	if e.clk.ticked && now <= e.clk.tick {
		return nil
	}
	e.clk.tick, e.clk.ticked = now, true
	e.noteTime(now, false)
	e.emitOrphans(now)
	e.popped = e.popped[:0]
	for len(e.due) > 0 && e.due[0].due <= now {
		e.popped = append(e.popped, heap.Pop(&e.due).(*tagState))
	}
	for i, t := range e.popped {
		e.advance(t, now, TriggerDebounce)
		e.schedule(t)
		e.popped[i] = nil
	}
	e.judgePar(now)
	return e.result()
}

// emitOrphans emits the EXIT of every membership restored in a zone that no
// longer exists.
func (e *Engine) emitOrphans(now int64) {
	for _, o := range e.orphans {
		if e.defaultOn {
			e.emit(Exit, o.tag, o.zone, "", now, TriggerZoneRemoved)
		}
	}
	e.orphans = nil
}

// schedule sets the tag's place in the due heap to its next deadline.
func (e *Engine) schedule(t *tagState) {
	due := e.nextDue(t)
	switch {
	case due == maxTime && t.hidx >= 0:
		heap.Remove(&e.due, t.hidx)
	case due == maxTime:
	case t.hidx >= 0:
		t.due = due
		heap.Fix(&e.due, t.hidx)
	default:
		t.due = due
		heap.Push(&e.due, t)
	}
}

// scheduleAll reschedules every tag, after rules, zones or the registry
// changed.
func (e *Engine) scheduleAll() {
	for _, t := range e.tags {
		e.schedule(t)
	}
}

// nextDue returns the tag's earliest deadline after its handled time:
// pending changes, DWELL thresholds of stays without a pending exit, ABSENCE
// deadlines. maxTime means none. Between calls the heap key may be earlier
// than the true deadline (positions only postpone ABSENCE), never later.
func (e *Engine) nextDue(t *tagState) int64 {
	due := maxTime
	for i := range t.members {
		m := &t.members[i]
		for vi := range m.nviews() {
			v := m.view(vi)
			switch {
			case v.pend:
				due = min(due, v.pendAt+m.z.debounce[vi])
			case v.in:
				due = min(due, e.nextDwell(t, m.z.rules[vi], v), e.nextStatusDwell(t, m.z, vi, v))
			}
		}
	}
	due = min(due, e.nextStatusAbsence(t))
	if t.seen {
		for _, r := range e.absence {
			if at := t.last + r.dur; at > t.clock && r.matches(&t.info) {
				due = min(due, at)
			}
		}
	}
	return due
}

// nextDwell returns the earliest DWELL threshold of rules after the view's
// handled time.
func (e *Engine) nextDwell(t *tagState, rules []*ruleState, v *view) int64 {
	due := maxTime
	for _, r := range rules {
		if r.Type == RuleDwell && r.matches(&t.info) {
			if at := v.since + r.dur; at > v.dwellDone {
				due = min(due, at)
			}
		}
	}
	return due
}

// dueHeap orders tags by their next deadline, then id.
type dueHeap []*tagState

// Len implements heap.Interface.
func (h dueHeap) Len() int { return len(h) }

// Less implements heap.Interface.
func (h dueHeap) Less(i, j int) bool {
	if h[i].due != h[j].due {
		return h[i].due < h[j].due
	}
	return strings.Compare(h[i].id, h[j].id) < 0
}

// Swap implements heap.Interface.
func (h dueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].hidx, h[j].hidx = i, j
}

// Push implements heap.Interface.
func (h *dueHeap) Push(x any) {
	t := x.(*tagState)
	t.hidx = len(*h)
	*h = append(*h, t)
}

// Pop implements heap.Interface.
func (h *dueHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.hidx = -1
	return t
}

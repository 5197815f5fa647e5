package geofence

import "github.com/hospitalrtls/rtls/location"

// Observe feeds one position and returns the events it causes, in order
// (nil when none). The tag's zones are its room (p.Room, when a room of the
// plan) and the other zones whose polygon on p.Level contains (p.X, p.Y).
// A change of zones takes effect once it has held for the debounce time;
// deadlines of the tag that passed before p.TS fire first.
//
// A position at or before the tag's newest one, or before the time a Tick
// already handled the tag up to, is ignored (replays are idempotent); so is
// one without a tag. Observe does not allocate when nothing changes.
func (e *Engine) Observe(p location.Position) []Event {
	if p.Tag == "" {
		return nil
	}
	t := e.tags[p.Tag]
	if t != nil && ((t.seen && p.TS <= t.last) || p.TS < t.clock) {
		e.late++
		return nil
	}
	if t == nil {
		t = e.tag(p.Tag)
	}
	e.noteTime(p.TS, true)
	reschedule := false
	if t.hidx >= 0 && t.due <= p.TS {
		e.advance(t, p.TS, TriggerPosition)
		reschedule = true
	}
	t.seen, t.last, t.clock = true, p.TS, max(t.clock, p.TS)
	e.statusSeen(t, p.TS, p.Room)
	e.touch(t)
	if e.applyRaw(t, p) {
		e.advance(t, p.TS, TriggerPosition) // debounce 0 takes effect now
		reschedule = true
	}
	if reschedule || (t.hidx < 0 && (len(e.absence) > 0 || e.watchesAbsence(t))) {
		e.schedule(t)
	}
	e.judgePar(p.TS)
	return e.result()
}

// applyRaw records which zones the position is in and reports whether any
// membership of the tag changed.
func (e *Engine) applyRaw(t *tagState, p location.Position) bool {
	zs := e.zonesAt(p)
	changed := false
	for i := range t.members {
		m := &t.members[i]
		if raw := hasZone(zs, m.z); raw != m.raw {
			m.setRaw(raw, p.TS)
			changed = true
		}
	}
	for _, z := range zs {
		if t.member(z) == nil {
			t.members = append(t.members, newMember(z, p.TS))
			z.tags[t] = struct{}{}
			changed = true
		}
	}
	return changed
}

// hasZone reports whether zs holds z.
func hasZone(zs []*zoneState, z *zoneState) bool {
	for _, x := range zs {
		if x == z {
			return true
		}
	}
	return false
}

package geofence

import (
	"cmp"
	"slices"
	"strings"
)

// Room visits: every tag's debounced stays in the rooms of the plan, kept
// apart from the rules. A room's view 0 (the engine's default debounce)
// exists whatever rules watch the room, so rules never change visits:
// adding, changing or deleting one neither opens nor closes any.

// TakeVisits returns the room visits opened or closed since its previous
// call, in the order they took effect (at one time, in no set order): an
// opened visit has Exit 0, a closed
// one carries the Enter of its opening and its Exit. A visit may open and
// close within one call (both records are returned). Class and Type are
// the tag's registry entry when the record is made (a registry change
// between opening and closing shows in the closing record). The records are keyed
// by (Tag, Enter): store them with the events and geofence state parts of
// the same calls, replacing an earlier record with the same key, so that a
// replay after a restart (which may return them again) is idempotent.
func (e *Engine) TakeVisits() []Visit {
	if len(e.visits) == 0 {
		return nil
	}
	out := e.visits
	e.visits = nil
	return out
}

// OpenVisits returns the room visits open now (Exit 0), by tag then
// room: after a restart from a snapshot, what the records already stored
// left open, so that whoever follows the records (the analytics of moves)
// can carry on from them instead of starting blind.
func (e *Engine) OpenVisits() []Visit {
	var out []Visit
	for _, t := range e.tags {
		for i := range t.members {
			m := &t.members[i]
			if m.z.room && m.v0.in {
				out = append(out, e.visit(t, m.z, m.v0.since, 0))
			}
		}
	}
	slices.SortFunc(out, func(a, b Visit) int { return cmp.Or(strings.Compare(a.Tag, b.Tag), strings.Compare(a.Room, b.Room)) })
	return out
}

// openVisit records that t's stay in room z began at enter.
func (e *Engine) openVisit(t *tagState, z *zoneState, enter int64) {
	e.visits = append(e.visits, e.visit(t, z, enter, 0))
}

// closeVisit records that t's stay in room z, begun at enter, ended at exit.
func (e *Engine) closeVisit(t *tagState, z *zoneState, enter, exit int64) {
	e.visits = append(e.visits, e.visit(t, z, enter, exit))
}

// visit returns the record of a stay of t in room z.
func (e *Engine) visit(t *tagState, z *zoneState, enter, exit int64) Visit {
	return Visit{Tag: t.id, Class: t.info.Class, Type: t.info.Type,
		Room: z.z.ID, Level: z.z.Level, Enter: enter, Exit: exit}
}

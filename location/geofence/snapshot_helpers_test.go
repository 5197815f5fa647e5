package geofence

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The tests check the engine's whole runtime state, and the delta parts
// against it, through Snapshot and Restore; production persists it only
// as delta parts (TakeDirty, RestoreParts).

// Snapshot returns the engine's complete runtime state as compact JSON:
// every tag's memberships with their times, pending changes, DWELL and
// ABSENCE progress, PAR levels and clocks. Rules, zones and the registry are
// not included. Saved together with the events emitted so far, it lets a
// restarted engine go on without losing or repeating events.
func (e *Engine) Snapshot() ([]byte, error) {
	s := snapshot{V: snapshotVersion, Tick: e.clk.tick, Ticked: e.clk.ticked, Start: e.clk.start,
		Started: e.clk.started, Warm: e.clk.warm, Tags: make([]snapTag, 0, len(e.tags))}
	for _, t := range e.tags {
		s.Tags = append(s.Tags, snapTagOf(t))
	}
	slices.SortFunc(s.Tags, func(a, b snapTag) int { return strings.Compare(a.ID, b.ID) })
	for _, r := range e.par {
		if r.par.level != parUnknown {
			s.Par = append(s.Par, snapPar{Rule: r.ID, Below: r.par.level == parBelow, Count: r.par.count, Last: r.par.last})
		}
	}
	for _, o := range e.orphans {
		s.Orphans = append(s.Orphans, snapOrphan{Tag: o.tag.id, Zone: o.zone})
	}
	return json.Marshal(s)
}

// Restore replaces the engine's runtime state with a snapshot. Rules, zones
// and the registry stay as they are: memberships are mapped onto the current
// zones and debounce times; memberships in zones that no longer exist get
// their EXIT (trigger "zone_removed") at the next Tick; PAR levels of rules
// that no longer exist are dropped. On error (ErrSnapshot) the state is left
// unchanged. Afterwards TakeDirty reports every tag, the global part, and a
// nil part for each tag the engine held before and the snapshot does not.
func (e *Engine) Restore(data []byte) error {
	var s snapshot
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return fmt.Errorf("%w: %v", ErrSnapshot, err)
	}
	if s.V != snapshotVersion {
		return fmt.Errorf("%w: version %d, want %d", ErrSnapshot, s.V, snapshotVersion)
	}
	old := e.tags
	if err := e.restore(s); err != nil {
		return err
	}
	e.restored(old)
	return nil
}

// snapTagOf returns the snapshot form of a tag, members ordered by zone.
func snapTagOf(t *tagState) snapTag {
	st := snapTag{ID: t.id, Seen: t.seen, Last: t.last, Clock: t.clock}
	for i := range t.members {
		m := &t.members[i]
		sm := snapMember{Zone: m.z.z.ID, Raw: m.raw, Views: make([]snapView, m.nviews())}
		for vi := range sm.Views {
			v := m.view(vi)
			sm.Views[vi] = snapView{Debounce: m.z.debounce[vi], In: v.in, Pend: v.pend,
				Since: v.since, PendAt: v.pendAt, DwellDone: v.dwellDone}
		}
		st.Members = append(st.Members, sm)
	}
	slices.SortFunc(st.Members, func(a, b snapMember) int { return strings.Compare(a.Zone, b.Zone) })
	return st
}

// restored notes that Restore replaced the tags old with the engine's
// current ones: every tag and the global part are changed, and the tags
// that are no longer there are gone.
func (e *Engine) restored(old map[string]*tagState) {
	e.delta.reset()
	for id := range old {
		if e.tags[id] == nil {
			e.delta.gone = append(e.delta.gone, id)
		}
	}
	slices.Sort(e.delta.gone)
	e.delta.force = true
	for _, t := range e.tags {
		e.touch(t)
	}
}

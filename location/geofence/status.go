package geofence

import (
	"slices"
	"time"
)

// Status sources: what made an asset's status change (StatusChange.Source,
// and the Trigger of its STATUS_CHANGED event).
const (
	// SourceAPI: the status was set through PutTag.
	SourceAPI = "api"
	// SourceSoiledRoom: the asset entered a room of a soiled category.
	SourceSoiledRoom = "soiled_room"
	// SourceInUseDwell: the asset stayed in a room of an in-use category
	// for StatusRules.InUseDwell.
	SourceInUseDwell = "in_use_dwell"
	// SourceAbsence: the asset was not seen for StatusRules.Absence.
	SourceAbsence = "absence"
	// SourceFound: a MISSING asset was seen again.
	SourceFound = "found"
)

// Defaults of StatusRules (DefaultStatusRules).
const (
	DefaultSoiledCategory = "soiled_utility"
	DefaultInUseDwell     = 10 * time.Minute
	DefaultStatusAbsence  = time.Hour
)

// DefaultInUseCategories are the room categories of patient care.
var DefaultInUseCategories = []string{"patient_room", "icu"}

// StatusRules says how the engine infers asset statuses from location, in
// event time, on the debounced room memberships (Config.Debounce):
//
//   - an asset that enters a room of a SoiledCategories category becomes
//     SOILED (from no status, AVAILABLE, IN_USE or MISSING);
//   - one that stays InUseDwell in a room of an InUseCategories category
//     becomes IN_USE (from no status or AVAILABLE), once per stay;
//   - one not seen for Absence becomes MISSING (from any status but
//     MAINTENANCE and RECALLED), and when seen again returns to the status
//     it had before (AVAILABLE when it had none).
//
// CLEANING, MAINTENANCE and RECALLED are set by people: no room changes
// them. A status set through PutTag holds until the next of these
// transitions. A zero duration or an empty list turns its rule off.
type StatusRules struct {
	SoiledCategories []string
	InUseCategories  []string
	InUseDwell       time.Duration
	Absence          time.Duration
}

// DefaultStatusRules returns the rules the server uses unless configured
// otherwise.
func DefaultStatusRules() StatusRules {
	return StatusRules{
		SoiledCategories: []string{DefaultSoiledCategory},
		InUseCategories:  slices.Clone(DefaultInUseCategories),
		InUseDwell:       DefaultInUseDwell,
		Absence:          DefaultStatusAbsence,
	}
}

// statusRules is StatusRules ready for the engine.
type statusRules struct {
	soiled  map[string]bool
	inUse   map[string]bool
	dwell   int64 // ms; 0 = off
	absence int64 // ms; 0 = off
}

// newStatusRules prepares r; nil turns inference off.
func newStatusRules(r *StatusRules) statusRules {
	var s statusRules
	if r == nil {
		return s
	}
	s.soiled, s.inUse = make(map[string]bool), make(map[string]bool)
	for _, c := range r.SoiledCategories {
		s.soiled[c] = true
	}
	for _, c := range r.InUseCategories {
		s.inUse[c] = true
	}
	if len(s.inUse) > 0 && r.InUseDwell > 0 {
		s.dwell = r.InUseDwell.Milliseconds()
	}
	s.absence = max(r.Absence.Milliseconds(), 0)
	return s
}

// inUseRoom reports whether the engine infers IN_USE for asset t in zone
// z (seen through view vi).
func (e *Engine) inUseRoom(t *tagState, z *zoneState, vi int) bool {
	return e.status.dwell > 0 && vi == 0 && z.room && t.info.Class == ClassAsset && e.status.inUse[z.z.Category]
}

// watchesAbsence reports whether the engine infers MISSING for t.
func (e *Engine) watchesAbsence(t *tagState) bool {
	return e.status.absence > 0 && t.info.Class == ClassAsset
}

// statusEntered applies the SOILED rule to an entry of t into z at at.
func (e *Engine) statusEntered(t *tagState, z *zoneState, vi int, at int64) {
	if vi != 0 || !z.room || t.info.Class != ClassAsset || !e.status.soiled[z.z.Category] {
		return
	}
	switch t.info.Status {
	case "", StatusAvailable, StatusInUse, StatusMissing:
		e.setStatus(t, StatusSoiled, at, SourceSoiledRoom, z.z.ID)
	}
}

// statusDwell applies the IN_USE rule to a stay of t in z (view v) whose
// deadlines after v.dwellDone and up to upper are being handled.
func (e *Engine) statusDwell(t *tagState, z *zoneState, vi int, v *view, upper int64) {
	if !e.inUseRoom(t, z, vi) {
		return
	}
	at := v.since + e.status.dwell
	if at <= v.dwellDone || at > upper {
		return
	}
	switch t.info.Status {
	case "", StatusAvailable:
		e.setStatus(t, StatusInUse, at, SourceInUseDwell, z.z.ID)
	}
}

// nextStatusDwell returns the IN_USE deadline of a stay, maxTime when none.
func (e *Engine) nextStatusDwell(t *tagState, z *zoneState, vi int, v *view) int64 {
	if at := v.since + e.status.dwell; e.inUseRoom(t, z, vi) && at > v.dwellDone {
		return at
	}
	return maxTime
}

// statusAbsence applies the MISSING rule to t up to now.
func (e *Engine) statusAbsence(t *tagState, now int64) {
	if !t.seen || !e.watchesAbsence(t) {
		return
	}
	at := t.last + e.status.absence
	if at <= t.clock || at > now {
		return
	}
	switch t.info.Status {
	case StatusMaintenance, StatusRecalled, StatusMissing:
		return
	}
	e.setStatus(t, StatusMissing, at, SourceAbsence, e.roomOf(t))
}

// nextStatusAbsence returns the MISSING deadline of t, maxTime when none.
func (e *Engine) nextStatusAbsence(t *tagState) int64 {
	if at := t.last + e.status.absence; t.seen && e.watchesAbsence(t) && at > t.clock {
		return at
	}
	return maxTime
}

// statusSeen returns a MISSING asset seen at ts, in room, to the status it
// had before.
func (e *Engine) statusSeen(t *tagState, ts int64, room string) {
	if t.info.Class != ClassAsset || t.info.Status != StatusMissing {
		return
	}
	back := t.info.MissingFrom
	if back == "" {
		back = StatusAvailable
	}
	e.setStatus(t, back, ts, SourceFound, room)
}

// roomOf returns the room t is in, "" when none.
func (e *Engine) roomOf(t *tagState) string {
	for i := range t.members {
		if m := &t.members[i]; m.z.room && m.v0.in {
			return m.z.z.ID
		}
	}
	return ""
}

// setStatus changes the status of tracked tag t, recording the change and
// its STATUS_CHANGED event.
func (e *Engine) setStatus(t *tagState, status string, at int64, source, room string) {
	prev := t.info
	t.info = withStatus(prev, status, at)
	e.reg.set(t.info)
	e.recordStatus(prev, t.info, source, room)
}

// withStatus returns t with a new status set at time at; the status before
// a MISSING one is kept in MissingFrom.
func withStatus(t Tag, status string, at int64) Tag {
	prev := t.Status
	t.Status, t.StatusChangedAt, t.MissingFrom = status, at, ""
	if status == StatusMissing && prev != StatusMissing {
		t.MissingFrom = prev
	}
	return t
}

// recordStatus records the change from prev to cur (the same tag) and its
// event.
func (e *Engine) recordStatus(prev, cur Tag, source, room string) {
	e.changes = append(e.changes, StatusChange{Tag: cur.ID, Previous: prev.Status, Status: cur.Status,
		TS: cur.StatusChangedAt, Source: source, Room: room})
	e.out = append(e.out, Event{Type: StatusChanged, Tag: cur.ID, Zone: room, TS: cur.StatusChangedAt,
		Trigger: source, Class: cur.Class, Status: cur.Status, Previous: prev.Status})
}

// TakeStatusChanges returns the status changes made since the last call
// (through PutTag or inferred), in the order they were made, and forgets
// them. The writer stores them with the events of the same calls.
func (e *Engine) TakeStatusChanges() []StatusChange {
	out := e.changes
	e.changes = nil
	return out
}

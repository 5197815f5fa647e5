package geofence

import (
	"fmt"
	"slices"
)

// setZone validates a zone made through the API and creates it, or replaces
// the API zone with its id. Tags are matched against the new shape from
// their next position on. It fails with a *ValidationError naming the field
// (unknown level, bad polygon) and with ErrPlanZone for the id of a room or
// plan zone.
func (e *Engine) setZone(z Zone) error {
	z, err := e.checkZone(z.clone())
	if err != nil {
		return err
	}
	return e.putZone(z)
}

// CreateZone is setZone for a new zone: the id of a zone or room fails with
// ErrExists and changes nothing. The check and the put are one call, so
// that of concurrent creates of one id exactly one succeeds.
func (e *Engine) CreateZone(z Zone) error {
	if e.zones[z.ID] != nil {
		return fmt.Errorf("%w: zone %q", ErrExists, z.ID)
	}
	return e.setZone(z)
}

// putZone puts a checked zone.
func (e *Engine) putZone(z Zone) error {
	old := e.zones[z.ID]
	switch {
	case old == nil:
		e.zones[z.ID] = newZoneState(z, false)
	case old.z.FromPlan:
		return planZoneError(z.ID, "is a room or zone of the floorplan")
	default:
		old.z, old.bound = z, z.Polygon.Bound()
	}
	e.rebuildGrids()
	e.reindex()
	e.scheduleAll()
	return nil
}

// DeleteZone deletes an API zone at event time now and returns the events:
// EXIT (trigger "zone_removed") for every tag inside, one per ENTER or EXIT
// rule watching it there or, with the default rule on, one without rule
// (closing the default ENTER the tag got), and the PAR
// crossings of groups that held the zone. It fails with ErrUnknownZone,
// ErrPlanZone for a room or plan zone, and ErrZoneInUse while a rule names
// the zone by id.
func (e *Engine) DeleteZone(id string, now int64) ([]Event, error) {
	z := e.zones[id]
	switch {
	case z == nil:
		return nil, fmt.Errorf("%w: %q", ErrUnknownZone, id)
	case z.z.FromPlan:
		return nil, fmt.Errorf("%w: %q", ErrPlanZone, id)
	}
	if rule, ok := e.ruleNaming(id); ok {
		return nil, fmt.Errorf("%w: zone %q is named by rule %q", ErrZoneInUse, id, rule)
	}
	for t := range z.tags {
		e.exitRemoved(t, z, now)
		e.dropMember(t, z)
	}
	delete(e.zones, id)
	e.rebuildGrids()
	e.reindex()
	e.scheduleAll()
	e.judgePar(now)
	return e.result(), nil
}

// ruleNaming returns the first rule (by id) that names zone id.
func (e *Engine) ruleNaming(id string) (string, bool) {
	for _, rid := range e.ruleIDs() {
		r := e.rules[rid]
		if r.ZoneID == id || (r.Group != nil && slices.Contains(r.Group.ZoneIDs, id)) {
			return rid, true
		}
	}
	return "", false
}

// exitRemoved emits the EXIT events of a tag inside a zone being deleted and
// marks the PAR rules counting it.
func (e *Engine) exitRemoved(t *tagState, z *zoneState, now int64) {
	m := t.member(z)
	if m == nil || !m.anyIn() {
		return
	}
	if e.defaultOn && m.v0.in { // closes the default ENTER the tag got
		e.emit(Exit, t, z.z.ID, "", now, TriggerZoneRemoved)
	}
	for vi, rules := range z.rules {
		if !m.view(vi).in {
			continue
		}
		for _, r := range rules {
			if !r.matches(&t.info) {
				continue
			}
			switch r.Type {
			case RuleEnter, RuleExit:
				e.emit(Exit, t, z.z.ID, r.ID, now, TriggerZoneRemoved)
			case RulePar:
				e.markPar(r, now, TriggerZoneRemoved)
			}
		}
	}
}

package geofence

import "fmt"

// SetRegistry replaces the engine's registry with a copy of reg (nil for an
// empty one). New classes apply to later transitions; PAR counts are judged
// again at the next Observe or Tick.
func (e *Engine) SetRegistry(reg *Registry) {
	c := reg.Clone()
	e.reg = c
	for id, t := range e.tags {
		t.info, _ = c.Get(id)
	}
	e.markAllPar()
	e.scheduleAll()
}

// PutTag validates a tag and stores it in the engine's registry, replacing
// any with its id, and returns it as stored (class in lower case) with the
// events it causes. Like SetRegistry, it applies to later transitions.
// When the plan declares units, Unit must be one of them. StatusChangedAt
// and MissingFrom are the engine's: a status different from the stored one
// is a change at event time now (a StatusChange with source "api" and a
// STATUS_CHANGED event), which holds until the next inferred transition.
func (e *Engine) PutTag(t Tag, now int64) (Tag, []Event, error) {
	t = normalizeTag(t)
	old, _ := e.reg.Get(t.ID)
	t.StatusChangedAt, t.MissingFrom = old.StatusChangedAt, old.MissingFrom
	changed := t.Status != old.Status
	if changed {
		want := t.Status
		t.Status = old.Status
		t = withStatus(t, want, now)
	}
	if err := e.checkUnit(t.Unit); err != nil {
		return Tag{}, nil, err
	}
	t, err := e.reg.Put(t)
	if err != nil {
		return Tag{}, nil, err
	}
	if changed {
		e.recordStatus(old, t, SourceAPI, "")
	}
	e.retag(t.ID)
	return t, e.result(), nil
}

// checkUnit checks a tag's unit against the plan's units, when it declares
// some.
func (e *Engine) checkUnit(unit string) error {
	if unit == "" || e.plan == nil || len(e.plan.Units) == 0 {
		return nil
	}
	if _, ok := e.plan.Unit(unit); !ok {
		return tagError("unit_id", fmt.Sprintf("unknown unit %q (the floorplan declares its units)", unit))
	}
	return nil
}

// DeleteTag removes a tag from the engine's registry: the tag keeps being
// tracked, with class "". It returns ErrUnknownTag when there was none.
func (e *Engine) DeleteTag(id string) error {
	if err := e.reg.Delete(id); err != nil {
		return fmt.Errorf("cannot delete tag: %w", err)
	}
	e.retag(id)
	return nil
}

// retag refreshes the registry entry of one tracked tag.
func (e *Engine) retag(id string) {
	t := e.tags[id]
	if t == nil {
		return
	}
	t.info, _ = e.reg.Get(id)
	e.markAllPar()
	e.schedule(t)
}

// Registered reports whether id is in the engine's registry.
func (e *Engine) Registered(id string) bool {
	_, ok := e.reg.Get(id)
	return ok
}

// Registry returns a copy of the engine's registry.
func (e *Engine) Registry() *Registry {
	return e.reg.Clone()
}

// Tag returns the registry entry of one tag, without copying the registry.
func (e *Engine) Tag(id string) (Tag, bool) {
	return e.reg.Get(id)
}

// Tags returns every registered tag, ordered by id, without copying the
// registry's index.
func (e *Engine) Tags() []Tag {
	return e.reg.Tags()
}

// warnUnits logs how many registered tags name a unit the plan does not
// declare (when it declares units). Those are kept, as a plan may lose a
// unit the registry still names; PutTag refuses new ones.
func (e *Engine) warnUnits() {
	n := 0
	for _, t := range e.reg.Tags() {
		if e.checkUnit(t.Unit) != nil {
			n++
		}
	}
	if n > 0 {
		e.log.Warn("geofence: registered tags name units the floorplan does not declare", "tags", n)
	}
}

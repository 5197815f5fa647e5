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
// any with its id, and returns it as stored (class in lower case). Like
// SetRegistry, it applies to later transitions.
func (e *Engine) PutTag(t Tag) (Tag, error) {
	t, err := e.reg.Put(t)
	if err != nil {
		return Tag{}, err
	}
	e.retag(t.ID)
	return t, nil
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

package geofence

// Select returns the tags keep accepts, in no particular order. Unlike
// Tags it copies and orders nothing else, so that a query for one type of
// asset among many tags stays cheap.
func (r *Registry) Select(keep func(Tag) bool) []Tag {
	if r == nil {
		return nil
	}
	var out []Tag
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, t := range r.tags {
		if keep(t) {
			out = append(out, t)
		}
	}
	return out
}

// SelectIDs returns the ids of the tags keep accepts, in no particular
// order: Select without copying the tags out (for many tags, of which
// only a few will be looked up).
func (r *Registry) SelectIDs(keep func(Tag) bool) []string {
	if r == nil {
		return nil
	}
	var out []string
	r.mu.RLock()
	defer r.mu.RUnlock()
	for id, t := range r.tags {
		if keep(t) {
			out = append(out, id)
		}
	}
	return out
}

// SelectTagIDs returns the ids of the tags of the engine's registry that
// keep accepts, in no particular order (see Registry.SelectIDs).
func (e *Engine) SelectTagIDs(keep func(Tag) bool) []string { return e.reg.SelectIDs(keep) }

// SelectTags returns the tags of the engine's registry that keep accepts,
// in no particular order (see Registry.Select).
func (e *Engine) SelectTags(keep func(Tag) bool) []Tag { return e.reg.Select(keep) }

// Lookup returns the tags among ids that the registry holds, by id.
func (r *Registry) Lookup(ids []string) map[string]Tag {
	out := make(map[string]Tag, len(ids))
	if r == nil {
		return out
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, id := range ids {
		if t, ok := r.tags[id]; ok {
			out[id] = t
		}
	}
	return out
}

// LookupTags returns the tags among ids that the engine's registry holds,
// by id (see Registry.Lookup).
func (e *Engine) LookupTags(ids []string) map[string]Tag { return e.reg.Lookup(ids) }

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

// kind is the class, type and status a registry indexes its tags by.
type kind struct{ class, typ, status string }

func kindOf(t Tag) kind { return kind{t.Class, t.Type, t.Status} }

// SelectKindIDs returns the ids of the tags of one class and, unless typ
// is "", one type, whose status status accepts (nil: any), in no
// particular order. It reads only those ids from the registry's index by
// class, type and status, so that the available infusion pumps among
// 50,000 tags are found without looking at any other tag.
func (r *Registry) SelectKindIDs(class, typ string, status func(string) bool) []string {
	if r == nil {
		return nil
	}
	var out []string
	r.mu.RLock()
	defer r.mu.RUnlock()
	for k, ids := range r.kinds {
		if k.class != class || (typ != "" && k.typ != typ) || (status != nil && !status(k.status)) {
			continue
		}
		for id := range ids {
			out = append(out, id)
		}
	}
	return out
}

// SelectKindTagIDs returns the ids of the tags of the engine's registry
// of a class, type and statuses (see Registry.SelectKindIDs).
func (e *Engine) SelectKindTagIDs(class, typ string, status func(string) bool) []string {
	return e.reg.SelectKindIDs(class, typ, status)
}

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

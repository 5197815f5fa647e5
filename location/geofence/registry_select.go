package geofence

import (
	"slices"
	"strings"
)

// Select returns the tags keep accepts, ordered by id. keep must not
// retain its argument. Unlike Tags it copies only the tags selected, so
// that a query for one type of asset among many tags stays cheap.
func (r *Registry) Select(keep func(*Tag) bool) []Tag {
	if r == nil {
		return nil
	}
	var out []Tag
	r.mu.RLock()
	for _, t := range r.tags {
		if keep(&t) {
			out = append(out, t)
		}
	}
	r.mu.RUnlock()
	slices.SortFunc(out, func(a, b Tag) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// SelectTags returns the tags of the engine's registry that keep accepts,
// ordered by id (see Registry.Select).
func (e *Engine) SelectTags(keep func(*Tag) bool) []Tag { return e.reg.Select(keep) }

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

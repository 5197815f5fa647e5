package geofence

import (
	"slices"
	"strings"
)

// Select returns the tags keep accepts, ordered by id. Unlike Tags it
// returns only the tags selected, so that a query for one type of asset
// among many tags stays cheap.
func (r *Registry) Select(keep func(Tag) bool) []Tag {
	if r == nil {
		return nil
	}
	var sel []Tag
	r.mu.RLock()
	for _, t := range r.tags {
		if keep(t) {
			sel = append(sel, t)
		}
	}
	r.mu.RUnlock()
	// Sorting indexes moves 4 bytes where sorting the tags would move a
	// whole Tag (with write barriers) at every swap.
	order := make([]int32, len(sel))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(sel[a].ID, sel[b].ID) })
	out := make([]Tag, len(sel))
	for i, j := range order {
		out[i] = sel[j]
	}
	return out
}

// SelectTags returns the tags of the engine's registry that keep accepts,
// ordered by id (see Registry.Select).
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

package geofence

import (
	"fmt"
	"slices"
	"sync"
)

// Registry maps tag ids to what they are attached to. A tag the registry does
// not hold has class "". It is safe for concurrent use; a nil *Registry is
// empty and read-only. The engine keeps its
// own copy: change the engine's registry through Engine.PutTag,
// Engine.DeleteTag and Engine.SetRegistry.
type Registry struct {
	mu   sync.RWMutex // guards tags and kinds
	tags map[string]Tag
	// kinds indexes the tag ids by class, type and status
	// (registry_select.go).
	kinds map[kind]map[string]struct{}
}

// NewRegistry returns a registry holding tags. It fails on the first invalid
// or repeated tag, naming it by index (never by id).
func NewRegistry(tags []Tag) (*Registry, error) {
	r := &Registry{tags: make(map[string]Tag, len(tags))}
	for i, t := range tags {
		t = normalizeTag(t)
		if err := ValidateTag(t); err != nil {
			return nil, located(err, fmt.Sprintf("tags[%d]", i))
		}
		if _, dup := r.tags[t.ID]; dup {
			return nil, located(tagError("id", "repeats an earlier tag"), fmt.Sprintf("tags[%d]", i))
		}
		r.store(t)
	}
	return r, nil
}

// Get returns the tag with the given id.
func (r *Registry) Get(id string) (Tag, bool) {
	if r == nil {
		return Tag{}, false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	t, ok := r.tags[id]
	return t, ok
}

// Put validates and stores a tag (its class in lower case), replacing any
// with the same id, and returns it as stored.
func (r *Registry) Put(t Tag) (Tag, error) {
	t = normalizeTag(t)
	if err := ValidateTag(t); err != nil {
		return Tag{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.store(t)
	return t, nil
}

// set stores a tag known to be valid and normalized.
func (r *Registry) set(t Tag) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.store(t)
}

// store puts t in the tags and the index, replacing the tag of its id.
// Called with mu held for writing.
func (r *Registry) store(t Tag) {
	if r.tags == nil {
		r.tags = make(map[string]Tag)
	}
	if old, ok := r.tags[t.ID]; ok {
		r.unindex(old)
	}
	r.tags[t.ID] = t
	if r.kinds == nil {
		r.kinds = map[kind]map[string]struct{}{}
	}
	k := kindOf(t)
	if r.kinds[k] == nil {
		r.kinds[k] = map[string]struct{}{}
	}
	r.kinds[k][t.ID] = struct{}{}
}

// unindex removes t from the index. Called with mu held for writing.
func (r *Registry) unindex(t Tag) {
	k := kindOf(t)
	delete(r.kinds[k], t.ID)
	if len(r.kinds[k]) == 0 {
		delete(r.kinds, k)
	}
}

// Delete removes a tag; it returns ErrUnknownTag when there was none.
func (r *Registry) Delete(id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.tags[id]
	if !ok {
		return ErrUnknownTag
	}
	r.unindex(t)
	delete(r.tags, id)
	return nil
}

// Len returns the number of tags.
func (r *Registry) Len() int {
	if r == nil {
		return 0
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.tags)
}

// Tags returns every tag, ordered by id.
func (r *Registry) Tags() []Tag {
	if r == nil {
		return nil
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	ids := make([]string, 0, len(r.tags))
	for id := range r.tags {
		ids = append(ids, id)
	}
	slices.Sort(ids) // ids, not tags: far less to move
	out := make([]Tag, len(ids))
	for i, id := range ids {
		out[i] = r.tags[id]
	}
	return out
}

// Clone returns an independent copy; a nil registry clones to an empty one.
func (r *Registry) Clone() *Registry {
	c := &Registry{tags: make(map[string]Tag)}
	if r == nil {
		return c
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, t := range r.tags {
		c.store(t)
	}
	return c
}

package sim

import (
	"errors"
	"fmt"
)

// ErrTags is matched by errors about the tag list given to New.
var ErrTags = errors.New("sim: invalid tags")

// Class says how a tag moves.
type Class string

// Tag classes.
const (
	ClassStaff   Class = "staff"   // walks room to room, dwells 20-120 s
	ClassAsset   Class = "asset"   // an infusion pump: moved now and then
	ClassPatient Class = "patient" // stays in a home room, walks the corridor
)

// valid reports whether c is one of the classes above.
func (c Class) valid() bool {
	return c == ClassStaff || c == ClassAsset || c == ClassPatient
}

// prefix is the id prefix Generate gives tags of the class.
func (c Class) prefix() string {
	switch c {
	case ClassStaff:
		return "STAFF-"
	case ClassPatient:
		return "PAT-"
	}
	return "PUMP-"
}

// TagSpec is one simulated tag.
type TagSpec struct {
	ID    string
	Class Class
}

// Generate returns n tags: the first n of base, then (when n is larger)
// new ones whose classes follow base's mix (staff, asset, patient in turn
// when base is empty), named STAFF-nnn, PUMP-nnn and PAT-nnn with numbers
// that base does not use.
func Generate(base []TagSpec, n int) []TagSpec {
	if n <= len(base) {
		return append([]TagSpec(nil), base[:max(n, 0)]...)
	}
	out := append(make([]TagSpec, 0, n), base...)
	taken := make(map[string]bool, n)
	for _, t := range base {
		taken[t.ID] = true
	}
	mix := []Class{ClassStaff, ClassAsset, ClassPatient}
	if len(base) > 0 {
		mix = mix[:0]
		for _, t := range base {
			mix = append(mix, t.Class)
		}
	}
	next := map[Class]int{}
	for i := 0; len(out) < n; i++ {
		c := mix[i%len(mix)]
		for {
			next[c]++
			id := fmt.Sprintf("%s%03d", c.prefix(), next[c])
			if !taken[id] {
				taken[id] = true
				out = append(out, TagSpec{ID: id, Class: c})
				break
			}
		}
	}
	return out
}

// checkTags reports an empty list, an empty or repeated id or an unknown
// class.
func checkTags(tags []TagSpec) error {
	if len(tags) == 0 {
		return fmt.Errorf("%w: no tags", ErrTags)
	}
	seen := make(map[string]bool, len(tags))
	for i, t := range tags {
		switch {
		case t.ID == "":
			return fmt.Errorf("%w: tag %d: empty id", ErrTags, i)
		case seen[t.ID]:
			return fmt.Errorf("%w: tag %d: repeated id", ErrTags, i)
		case !t.Class.valid():
			return fmt.Errorf("%w: tag %d: unknown class %q", ErrTags, i, t.Class)
		}
		seen[t.ID] = true
	}
	return nil
}

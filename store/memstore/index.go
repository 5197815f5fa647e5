package memstore

import "slices"

// index is a set of tag ids kept in byte-wise (lexical) order, like a Redis
// sorted set with equal scores, so pages resume after a tag id.
type index []string

// add inserts tag if missing and returns the new index.
func (x index) add(tag string) index {
	i, found := slices.BinarySearch(x, tag)
	if found {
		return x
	}
	return slices.Insert(x, i, tag)
}

// remove deletes tag if present and returns the new index.
func (x index) remove(tag string) index {
	i, found := slices.BinarySearch(x, tag)
	if !found {
		return x
	}
	return slices.Delete(x, i, i+1)
}

// after returns the tags sorting after tag ("" for all), at most n.
func (x index) after(tag string, n int) []string {
	i := 0
	if tag != "" {
		var found bool
		i, found = slices.BinarySearch(x, tag)
		if found {
			i++
		}
	}
	return x[i:min(len(x), i+n)]
}

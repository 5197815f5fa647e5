package api

import (
	"encoding/base64"
	"slices"
	"strings"
)

// The lists of a FenceAdmin come whole; the GeofenceService and the
// TagRegistryService page them here. A page token is the opaque encoding of
// the list's kind and the last id of the page, so that pages stay correct
// while items are added or deleted between calls.

// pageToken returns the token of the page after the one ending with id.
func pageToken(kind, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + id))
}

// parsePageToken returns the last id of the previous page; "" for the
// first page.
func parsePageToken(kind, token string) (string, error) {
	if token == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", invalid("page_token", "invalid page token")
	}
	id, ok := strings.CutPrefix(string(raw), kind+":")
	if !ok || id == "" {
		return "", invalid("page_token", "invalid page token")
	}
	return id, nil
}

// pager is a checked page request of one kind of list.
type pager struct {
	kind  string // "rule", "zone" or "tag": tokens of one list fit no other
	size  int    // items per page
	after string // the last id of the previous page; "" for the first
}

// newPager checks page_size and page_token.
func newPager(kind string, size int32, token string) (pager, error) {
	if err := checkPageSize(size); err != nil {
		return pager{}, err
	}
	after, err := parsePageToken(kind, token)
	if err != nil {
		return pager{}, err
	}
	n := int(size)
	if n == 0 {
		n = defaultPageSize
	}
	return pager{kind: kind, size: n, after: after}, nil
}

// pageOf returns the items of the page, ordered by id, and the token of the
// next ("" on the last page). keep, when not nil, selects the items.
func pageOf[T any](p pager, items []T, id func(T) string, keep func(T) bool) ([]T, string) {
	cmp := func(a, b T) int { return strings.Compare(id(a), id(b)) }
	if !slices.IsSortedFunc(items, cmp) { // admins list by id; do not rely on it
		items = slices.Clone(items)
		slices.SortFunc(items, cmp)
	}
	start, _ := slices.BinarySearchFunc(items, p.after, func(it T, after string) int {
		return strings.Compare(id(it), after)
	})
	var out []T
	for _, it := range items[start:] {
		if id(it) <= p.after || (keep != nil && !keep(it)) {
			continue
		}
		if len(out) == p.size {
			return out, pageToken(p.kind, id(out[p.size-1]))
		}
		out = append(out, it)
	}
	return out, ""
}

package api

import (
	"slices"
	"strings"

	"github.com/hospitalrtls/rtls/store/cursor"
)

// The lists of the admin come whole; the GeofenceService and the
// TagRegistryService page them here, with the page tokens of package
// cursor: each carries the list's kind and the last id of the page, sealed,
// so that pages stay correct while items are added or deleted between calls.

// pager is a checked page request of one kind of list.
type pager struct {
	kind  cursor.Kind // tokens of one list fit no other
	size  int         // items per page
	after string      // the last id of the previous page; "" for the first
}

// newPager checks page_size and page_token: a token this server did not
// issue for this list is INVALID_ARGUMENT naming page_token.
func newPager(kind cursor.Kind, size int32, token string) (pager, error) {
	if err := checkPageSize(size); err != nil {
		return pager{}, err
	}
	var after string
	if token != "" {
		var err error
		if after, err = cursor.ParseToken(kind, token); err != nil {
			return pager{}, invalid("page_token", "invalid page token")
		}
	}
	return pager{kind: kind, size: cursor.PageSize(int(size)), after: after}, nil
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
			return out, cursor.Token(p.kind, id(out[p.size-1]))
		}
		out = append(out, it)
	}
	return out, ""
}

package floorplans

import (
	"cmp"
	"slices"
	"strconv"
)

// origin says where a feature came from: its file and its index in that
// file's features array.
type origin struct {
	source string
	file   int // order of the file among those loaded
	index  int
}

// problemAt is a Problem with the position used to sort problems.
type problemAt struct {
	Problem
	file, index int
}

// features is a decoded, not yet validated, set of plan features with the
// problems found so far.
type features struct {
	levels  []*Level
	rooms   []*Room
	doors   []*Door
	readers []*Reader
	zones   []*Zone
	units   []*Unit
	// origins maps a feature pointer to where it was read.
	origins map[any]origin
	// skip marks a field of a feature that must not be checked further:
	// a problem with it is already reported (a missing number whose zero
	// value is out of range, an unusable geometry).
	skip  map[fieldKey]bool
	probs []problemAt
}

// fieldKey names one field ("geometry", "rssi_at_1m") of a typed feature.
type fieldKey struct {
	x     any
	field string
}

func newFeatures() *features {
	return &features{origins: make(map[any]origin), skip: make(map[fieldKey]bool)}
}

// report records a problem for the feature at o.
func (f *features) report(o origin, typ, label, field, msg string) {
	f.probs = append(f.probs, problemAt{
		Problem: Problem{Source: o.source, Type: typ, Feature: label, Field: field, Msg: msg},
		file:    o.file, index: o.index,
	})
}

// problem records a problem for the typed feature x.
func (f *features) problem(x any, field, msg string) {
	typ, id := describe(x)
	o := f.origins[x]
	f.report(o, typ, labelOf(id, o.index), field, msg)
}

// where names x for messages about another feature: "room L0-S01 (a.geojson #3)".
func (f *features) where(x any) string {
	typ, id := describe(x)
	o := f.origins[x]
	s := typ + " " + labelOf(id, o.index)
	if o.source != "" {
		s += " (" + o.source + ")"
	}
	return s
}

// err returns the sorted problems as a *ValidationError, or nil.
func (f *features) err() error {
	if len(f.probs) == 0 {
		return nil
	}
	slices.SortStableFunc(f.probs, func(a, b problemAt) int {
		return cmp.Or(cmp.Compare(a.file, b.file), cmp.Compare(a.index, b.index))
	})
	e := &ValidationError{Problems: make([]Problem, len(f.probs))}
	for i, p := range f.probs {
		e.Problems[i] = p.Problem
	}
	return e
}

// labelOf is the Problem.Feature of a feature: its id, else "#index".
func labelOf(id string, index int) string {
	if id != "" {
		return id
	}
	return "#" + strconv.Itoa(index)
}

// describe returns the type name and id of a typed feature.
func describe(x any) (typ, id string) {
	switch v := x.(type) {
	case *Level:
		return "level", v.ID
	case *Room:
		return "room", v.ID
	case *Door:
		return "door", ""
	case *Reader:
		return "reader", v.ID
	case *Zone:
		return "zone", v.ID
	case *Unit:
		return "unit", v.ID
	}
	return "", ""
}

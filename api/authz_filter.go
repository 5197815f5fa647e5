package api

import (
	"strings"

	"github.com/hospitalrtls/rtls/auth"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// classOf maps the protocol's tag class to auth's.
func classOf(c rtlsv1.TagClass) auth.Class {
	switch c {
	case rtlsv1.TagClass_STAFF:
		return auth.Staff
	case rtlsv1.TagClass_ASSET:
		return auth.Asset
	case rtlsv1.TagClass_PATIENT:
		return auth.Patient
	}
	return auth.Unknown
}

// unitLookup returns the registry units of tags (missing: none), in one
// lookup.
type unitLookup func(tags []string) map[string]string

// tagRef is what the filter judges an item by: its tag, the tag's class
// and the unit the item itself names: the unit of the room a location is
// in, a registry entry's unit, none for an event.
type tagRef struct {
	tag   string
	class auth.Class
	unit  string
}

func locationRef(l *rtlsv1.Location) tagRef {
	return tagRef{l.GetTagId(), classOf(l.GetClass()), l.GetUnitId()}
}

func eventRef(e *rtlsv1.Event) tagRef { return tagRef{e.GetTagId(), classOf(e.GetTagClass()), ""} }

// needsUnit reports whether p's view of r depends on the registry unit of
// its tag: p sees people by unit, and the unit r names (the room's) does
// not already admit it. A nurse sees the people in the rooms of their
// units and the people of their units wherever they are.
func needsUnit(p *auth.Principal, r tagRef) bool {
	return r.tag != "" && p.NeedsUnit(r.class) && !p.CanSee(r.class, r.unit)
}

// lookupUnits looks up, in one call, the registry units of the tags of
// refs that need one (needsUnit); nil when none does.
func lookupUnits(p *auth.Principal, refs []tagRef, units unitLookup) map[string]string {
	var tags []string
	seen := map[string]bool{}
	for _, r := range refs {
		if !seen[r.tag] && needsUnit(p, r) {
			seen[r.tag] = true
			tags = append(tags, r.tag)
		}
	}
	if len(tags) == 0 {
		return nil
	}
	return units(tags)
}

// refsOf returns the refs of items.
func refsOf[T any](items []T, ref func(T) tagRef) []tagRef {
	out := make([]tagRef, len(items))
	for i, it := range items {
		out[i] = ref(it)
	}
	return out
}

// filterResponse removes from resp the items p may not see and returns
// the ids of the person tags left in it (for the audit log). A single
// item p may not see (GetLocation of a patient for biomed) is
// PERMISSION_DENIED, returned with that item's tag for the audit log.
// Where p's view depends on the registry unit of a tag (events carry no
// unit; a location names its room's), the units come from one lookup for
// the whole response.
func filterResponse(p *auth.Principal, resp any, units unitLookup) ([]string, error) {
	var persons []string
	keep := func(r tagRef, regUnit string) bool {
		if !p.CanSee(r.class, r.unit) && !p.CanSee(r.class, regUnit) {
			return false
		}
		if r.class.IsPerson() {
			persons = append(persons, r.tag)
		}
		return true
	}
	one := func(r tagRef) error {
		if r.tag != "" && !keep(r, lookupUnits(p, []tagRef{r}, units)[r.tag]) {
			return errDenied
		}
		return nil
	}
	switch r := resp.(type) {
	case *rtlsv1.Location:
		if err := one(locationRef(r)); err != nil {
			return []string{r.GetTagId()}, err
		}
	case *rtlsv1.ListLocationsResponse:
		unitOf := lookupUnits(p, refsOf(r.Locations, locationRef), units)
		r.Locations = keepItems(r.Locations, func(l *rtlsv1.Location) bool {
			return keep(locationRef(l), unitOf[l.GetTagId()])
		})
	case *rtlsv1.Event:
		if err := one(eventRef(r)); err != nil {
			return []string{r.GetTagId()}, err
		}
	case *rtlsv1.ListEventsResponse:
		unitOf := lookupUnits(p, refsOf(r.Events, eventRef), units)
		r.Events = keepItems(r.Events, func(e *rtlsv1.Event) bool {
			return e.GetTagId() == "" || keep(eventRef(e), unitOf[e.GetTagId()])
		})
	case *rtlsv1.Tag:
		if !keep(tagRef{r.GetId(), classOf(r.GetClass()), r.GetUnitId()}, "") {
			return []string{r.GetId()}, errDenied
		}
	case *rtlsv1.ListTagsResponse:
		r.Tags = keepItems(r.Tags, func(t *rtlsv1.Tag) bool {
			return keep(tagRef{t.GetId(), classOf(t.GetClass()), t.GetUnitId()}, "")
		})
	}
	return persons, nil
}

// keepItems keeps the items ok admits, in order, in place.
func keepItems[T any](items []T, ok func(T) bool) []T {
	out := items[:0]
	for _, it := range items {
		if ok(it) {
			out = append(out, it)
		}
	}
	clear(items[len(out):])
	return out
}

// namedTag returns the tag a request names, for the requests that name one.
func namedTag(req any) (string, bool) {
	switch r := req.(type) {
	case *rtlsv1.GetTrailRequest:
		return r.GetTagId(), true
	case *rtlsv1.ExplainLocationRequest:
		return r.GetTagId(), true
	case *rtlsv1.GetTagRequest:
		return r.GetId(), true
	case *rtlsv1.ListStatusHistoryRequest:
		return r.GetTagId(), true
	case *rtlsv1.PutTagRequest:
		return r.GetTag().GetId(), true
	}
	return "", false
}

// writtenClass returns the tag class a write request creates or changes:
// the only writes a non-admin role is admitted to are of assets.
func writtenClass(req any) (auth.Class, bool) {
	switch r := req.(type) {
	case *rtlsv1.PutTagRequest:
		return classOf(r.GetTag().GetClass()), true
	case *rtlsv1.CreateRuleRequest:
		return classOf(r.GetRule().GetTagClass()), true
	case *rtlsv1.UpdateRuleRequest:
		return classOf(r.GetRule().GetTagClass()), true
	}
	return auth.Unknown, false
}

// auditedChange reports whether method changes the registry, a rule or a
// zone: each successful call is audited.
func auditedChange(method string) bool {
	for _, prefix := range []string{"/rtls.v1.GeofenceService/Create", "/rtls.v1.GeofenceService/Update",
		"/rtls.v1.GeofenceService/Delete", "/rtls.v1.TagRegistryService/Put", "/rtls.v1.TagRegistryService/Delete"} {
		if strings.HasPrefix(method, prefix) {
			return true
		}
	}
	return false
}

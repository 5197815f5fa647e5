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

// filterResponse removes from resp the items p may not see and returns
// the ids of the person tags left in it (for the audit log). A single
// item p may not see (GetLocation of a patient for biomed) is
// PERMISSION_DENIED, returned with that item's tag for the audit log.
// Events carry no unit: unitOf gives a person tag's unit from the registry.
func filterResponse(p *auth.Principal, resp any, unitOf func(tag string) string) ([]string, error) {
	var persons []string
	keep := func(tag string, c auth.Class, unit string) bool {
		if !p.CanSee(c, unit) {
			return false
		}
		if c.IsPerson() {
			persons = append(persons, tag)
		}
		return true
	}
	switch r := resp.(type) {
	case *rtlsv1.Location:
		if !keep(r.GetTagId(), classOf(r.GetClass()), r.GetUnitId()) {
			return []string{r.GetTagId()}, errDenied
		}
	case *rtlsv1.ListLocationsResponse:
		r.Locations = keepItems(r.Locations, func(l *rtlsv1.Location) bool {
			return keep(l.GetTagId(), classOf(l.GetClass()), l.GetUnitId())
		})
	case *rtlsv1.Event:
		if !keep(r.GetTagId(), classOf(r.GetTagClass()), eventUnit(r, unitOf)) {
			return []string{r.GetTagId()}, errDenied
		}
	case *rtlsv1.ListEventsResponse:
		r.Events = keepItems(r.Events, func(e *rtlsv1.Event) bool {
			return eventVisible(e, unitOf, keep)
		})
	case *rtlsv1.Tag:
		if !keep(r.GetId(), classOf(r.GetClass()), r.GetUnitId()) {
			return []string{r.GetId()}, errDenied
		}
	case *rtlsv1.ListTagsResponse:
		r.Tags = keepItems(r.Tags, func(t *rtlsv1.Tag) bool {
			return keep(t.GetId(), classOf(t.GetClass()), t.GetUnitId())
		})
	}
	return persons, nil
}

// eventVisible admits an event: count events (no tag) to every reader of
// events, tag events as their tag.
func eventVisible(e *rtlsv1.Event, unitOf func(string) string, keep func(string, auth.Class, string) bool) bool {
	if e.GetTagId() == "" {
		return true
	}
	return keep(e.GetTagId(), classOf(e.GetTagClass()), eventUnit(e, unitOf))
}

// eventUnit is the unit a tag event is judged by: the registry unit of its
// person tag (a nurse sees the events of their units' staff and patients);
// "" for assets, which need none.
func eventUnit(e *rtlsv1.Event, unitOf func(string) string) string {
	if !classOf(e.GetTagClass()).IsPerson() {
		return ""
	}
	return unitOf(e.GetTagId())
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

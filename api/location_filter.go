package api

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/cursor"
)

// Defaults of LocationServer.maxReads and LocationServer.batch.
const (
	maxLocationReads = 10
	locationBatch    = 1000
)

// locationFilter is a checked ListLocationsRequest.
type locationFilter struct {
	size              int    // locations a page
	level, room, unit string // "" = any
	class, typ, role  string // "" = any
	statuses          set[string]
}

// newLocationFilter checks a request; ids are checked against plan when
// there is one.
func newLocationFilter(req *rtlsv1.ListLocationsRequest, plan PlanLookup) (locationFilter, error) {
	if err := checkPageSize(req.GetPageSize()); err != nil {
		return locationFilter{}, err
	}
	if err := checkPlace(plan, req.GetLevelId(), req.GetRoomId()); err != nil {
		return locationFilter{}, err
	}
	unit := req.GetUnitId()
	if unit != "" && (plan == nil || !plan.HasUnit(unit)) {
		return locationFilter{}, invalid("unit_id", "unknown unit")
	}
	c := req.GetClass()
	if c != rtlsv1.TagClass_TAG_CLASS_UNSPECIFIED && !knownTagClass(c) {
		return locationFilter{}, invalid("class", fmt.Sprintf("unknown value %d", int32(c)))
	}
	statuses, err := statusSet("statuses", req.GetStatuses())
	if err != nil {
		return locationFilter{}, err
	}
	return locationFilter{
		size: cursor.PageSize(int(req.GetPageSize())), level: req.GetLevelId(), room: req.GetRoomId(), unit: unit,
		class: TagClassFromProto(c), typ: req.GetType(), role: req.GetRole(), statuses: statuses,
	}, nil
}

// registry reports whether the filter selects by registry fields.
func (f locationFilter) registry() bool {
	return f.class != "" || f.typ != "" || f.role != "" || f.statuses != nil
}

// keepTag reports whether a registered tag passes the registry filters.
func (f locationFilter) keepTag(t geofence.Tag) bool {
	return (f.class == "" || t.Class == f.class) && (f.typ == "" || t.Type == f.typ) &&
		(f.role == "" || t.Role == f.role) && f.statuses.allows(t.Status)
}

// keepPlace reports whether a position passes the place filters, given the
// unit of its room.
func (f locationFilter) keepPlace(p location.Position, unit string) bool {
	return (f.level == "" || p.Level == f.level) && (f.room == "" || p.Room == f.room) &&
		(f.unit == "" || unit == f.unit)
}

// listSelected pages through the registry's tags that pass the filter, in
// id order, reading their positions in batches: a filter on class, type,
// role or status reads only the positions of the tags it selects.
func (s *LocationServer) listSelected(ctx context.Context, req *rtlsv1.ListLocationsRequest, f locationFilter) (*rtlsv1.ListLocationsResponse, error) {
	pg, err := newPager(cursor.Positions, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	after := pg.after
	tags, err := s.tags.SelectTags(ctx, f.keepTag)
	if err != nil {
		return nil, toStatus(s.log, err, "request")
	}
	tags = byID(tags)
	start, _ := slices.BinarySearchFunc(tags, after, func(t geofence.Tag, id string) int { return strings.Compare(t.ID, id) })
	if start < len(tags) && after != "" && tags[start].ID == after {
		start++
	}
	tags = tags[start:]
	resp := &rtlsv1.ListLocationsResponse{}
	for reads := 0; len(tags) > 0; reads++ {
		if reads == s.maxReads {
			// a short page: continue after the last tag examined
			resp.NextPageToken = cursor.Token(cursor.Positions, after)
			return resp, nil
		}
		batch := tags[:min(s.batch, len(tags))]
		ps, err := s.positions.GetPositions(ctx, tagIDs(batch))
		if err != nil {
			return nil, toStatus(s.log, err, "request")
		}
		j := 0
		for _, t := range batch {
			after = t.ID
			if j == len(ps) || ps[j].Tag != t.ID {
				continue // no position
			}
			p := ps[j]
			j++
			unit := s.unitOf(p.Room)
			if !f.keepPlace(p, unit) {
				continue
			}
			if len(resp.Locations) == f.size {
				resp.NextPageToken = cursor.Token(cursor.Positions, resp.Locations[f.size-1].GetTagId())
				return resp, nil
			}
			resp.Locations = append(resp.Locations, joinedLocation(p, t, unit))
		}
		tags = tags[len(batch):]
	}
	return resp, nil
}

// listScanned pages through the store's positions (by level or room when
// the filter names one), keeping those in the filter's unit.
func (s *LocationServer) listScanned(ctx context.Context, req *rtlsv1.ListLocationsRequest, f locationFilter) (*rtlsv1.ListLocationsResponse, error) {
	q := store.Query{Level: f.level, Room: f.room, PageSize: min(f.size, s.batch), PageToken: req.GetPageToken()}
	var kept []location.Position
	var units []string
	for reads := 0; ; reads++ {
		page, err := s.positions.ListPositions(ctx, q)
		if err != nil {
			return nil, toStatus(s.log, err, "request")
		}
		for _, p := range page.Positions {
			if unit := s.unitOf(p.Room); f.keepPlace(p, unit) {
				kept = append(kept, p)
				units = append(units, unit)
			}
		}
		q.PageToken = page.NextPageToken
		// Each read asks for no more than the page still lacks, so that
		// the store's token continues right after the last kept position.
		q.PageSize = min(f.size-len(kept), s.batch)
		if q.PageToken == "" || q.PageSize == 0 || reads+1 == s.maxReads {
			break
		}
	}
	tags, err := s.tags.LookupTags(ctx, positionTags(kept))
	if err != nil {
		return nil, toStatus(s.log, err, "request")
	}
	resp := &rtlsv1.ListLocationsResponse{Locations: make([]*rtlsv1.Location, len(kept)), NextPageToken: q.PageToken}
	for i, p := range kept {
		resp.Locations[i] = joinedLocation(p, tags[p.Tag], units[i])
	}
	return resp, nil
}

// join converts positions with their registry entries and units.
func (s *LocationServer) join(ctx context.Context, ps []location.Position) ([]*rtlsv1.Location, error) {
	tags, err := s.tags.LookupTags(ctx, positionTags(ps))
	if err != nil {
		return nil, toStatus(s.log, err, "request")
	}
	out := make([]*rtlsv1.Location, len(ps))
	for i, p := range ps {
		out[i] = joinedLocation(p, tags[p.Tag], s.unitOf(p.Room))
	}
	return out, nil
}

// unitOf returns the unit of a room; "" without a plan.
func (s *LocationServer) unitOf(room string) string {
	if s.plan == nil || room == "" {
		return ""
	}
	return s.plan.UnitOf(room)
}

// positionTags returns the tag ids of ps, in order.
func positionTags(ps []location.Position) []string {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.Tag
	}
	return ids
}

// byID returns tags ordered by id. It sorts indexes, which moves 4 bytes
// where sorting the tags would move a whole Tag at every swap.
func byID(tags []geofence.Tag) []geofence.Tag {
	order := make([]int32, len(tags))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(tags[a].ID, tags[b].ID) })
	out := make([]geofence.Tag, len(tags))
	for i, j := range order {
		out[i] = tags[j]
	}
	return out
}

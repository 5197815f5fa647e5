package api

import (
	"context"
	"fmt"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store/cursor"
)

// unknownBattery is AssetEntry.battery_percent when no level is known.
const unknownBattery = -1

// assetRow is an asset with its current position (located false when it
// has none) and the time it is listed by.
type assetRow struct {
	tag     geofence.Tag
	pos     location.Position
	located bool
	key     string // the order of the list: time, then tag id
}

// timeKey orders rows by a time in epoch ms (0 first), then tag id, as a
// string: fixed-width hex sorts like the number.
func timeKey(ms int64, id string) string { return fmt.Sprintf("%016x:%s", uint64(ms), id) }

func rowKey(r assetRow) string { return r.key }

// ListNotSeen lists the assets not seen since a time, never located ones
// first, then oldest sighting first.
func (s *AssetServer) ListNotSeen(ctx context.Context, req *rtlsv1.ListNotSeenRequest) (*rtlsv1.AssetList, error) {
	if req.GetSince() == nil {
		return nil, invalid("since", "required")
	}
	since := msFromProto(req.GetSince())
	pg, err := newPager(cursor.NotSeen, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	typ := req.GetAssetType()
	assets, err := s.tags.SelectTags(ctx, func(t geofence.Tag) bool {
		return t.Class == geofence.ClassAsset && (typ == "" || t.Type == typ)
	})
	if err != nil {
		return nil, toStatus(s.log, err, "request")
	}
	rows, err := s.located(ctx, assets)
	if err != nil {
		return nil, err
	}
	kept := rows[:0]
	for _, r := range rows {
		if !r.located || r.pos.TS < since {
			r.key = timeKey(r.pos.TS, r.tag.ID)
			kept = append(kept, r)
		}
	}
	page, next := pageOf(pg, kept, rowKey, nil)
	return s.assetList(page, next), nil
}

// ListMaintenanceDue lists the assets whose preventive maintenance is due
// before a time (now when unset), soonest first, with their location.
func (s *AssetServer) ListMaintenanceDue(ctx context.Context, req *rtlsv1.ListMaintenanceDueRequest) (*rtlsv1.AssetList, error) {
	before := s.now().UnixMilli()
	if req.GetBefore() != nil {
		before = msFromProto(req.GetBefore())
	}
	pg, err := newPager(cursor.Due, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	typ := req.GetAssetType()
	due, err := s.tags.SelectTags(ctx, func(t geofence.Tag) bool {
		return t.Class == geofence.ClassAsset && (typ == "" || t.Type == typ) &&
			t.MaintenanceDue != 0 && t.MaintenanceDue < before
	})
	if err != nil {
		return nil, toStatus(s.log, err, "request")
	}
	rows := make([]assetRow, len(due))
	for i, t := range due {
		rows[i] = assetRow{tag: t, key: timeKey(t.MaintenanceDue, t.ID)}
	}
	rows, next := pageOf(pg, rows, rowKey, nil)
	// Only the page's positions are read.
	page := make([]geofence.Tag, len(rows))
	for i, r := range rows {
		page[i] = r.tag
	}
	located, err := s.located(ctx, page)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		rows[i].pos, rows[i].located = located[i].pos, located[i].located
	}
	return s.assetList(rows, next), nil
}

// located joins tags with their current positions, in the order of tags.
func (s *AssetServer) located(ctx context.Context, tags []geofence.Tag) ([]assetRow, error) {
	ps, err := s.positions.GetPositions(ctx, tagIDs(tags))
	if err != nil {
		return nil, toStatus(s.log, err, "request")
	}
	rows := make([]assetRow, len(tags))
	j := 0
	for i, t := range tags {
		rows[i].tag = t
		if j < len(ps) && ps[j].Tag == t.ID {
			rows[i].pos, rows[i].located = ps[j], true
			j++
		}
	}
	return rows, nil
}

// assetList converts a page of rows.
func (s *AssetServer) assetList(rows []assetRow, next string) *rtlsv1.AssetList {
	out := &rtlsv1.AssetList{Assets: make([]*rtlsv1.AssetEntry, len(rows)), NextPageToken: next}
	for i, r := range rows {
		e := &rtlsv1.AssetEntry{Tag: TagToProto(r.tag), BatteryPercent: unknownBattery}
		if r.located {
			e.Location = joinedLocation(r.pos, r.tag, s.plan.UnitOf(r.pos.Room))
			e.LastSeenAt = msToProto(r.pos.TS)
		}
		out.Assets[i] = e
	}
	return out
}

package api

import (
	"context"
	"errors"
	"log/slog"

	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
)

// BatteryReader reads the tags' last battery levels. store.Store
// implements it.
type BatteryReader interface {
	// ListBatteries pages through levels at or below a percentage, lowest
	// first, then by tag id.
	ListBatteries(ctx context.Context, q store.BatteryQuery) (store.BatteryPage, error)
}

// TagLookup finds a tag's registry entry; the pipeline implements it.
type TagLookup interface {
	// Tag returns one tag, or an error wrapping geofence.ErrUnknownTag.
	Tag(ctx context.Context, id string) (geofence.Tag, error)
}

// LowBatteryServer answers rtls.v1.AssetService/ListLowBattery. It is one
// method of the AssetService: AssetServer delegates to it
// (AssetServer.WithLowBattery).
type LowBatteryServer struct {
	batteries BatteryReader
	positions PositionReader
	tags      TagLookup
	threshold int // percent: the default max_percent
	log       *slog.Logger
}

// NewLowBatteryServer returns the ListLowBattery method over the stored
// battery levels, positions and the registry; threshold is the server's
// low-battery threshold (rtlsd --low-battery), the default of max_percent.
func NewLowBatteryServer(batteries BatteryReader, positions PositionReader, tags TagLookup, threshold int, log *slog.Logger) *LowBatteryServer {
	return &LowBatteryServer{batteries: batteries, positions: positions, tags: tags, threshold: threshold, log: orDiscard(log)}
}

// ListLowBattery lists the tags whose last reported battery level is at or
// below max_percent (default: the server's threshold), lowest first, then
// by tag id, each with its registry entry (only the id for a tag not
// registered), its current location when it has one and the time it was
// last heard (its newer of position and battery report).
func (s *LowBatteryServer) ListLowBattery(ctx context.Context, req *rtlsv1.ListLowBatteryRequest) (*rtlsv1.AssetList, error) {
	if err := checkPageSize(req.GetPageSize()); err != nil {
		return nil, err
	}
	maxPct := int(req.GetMaxPercent())
	switch {
	case maxPct == 0:
		maxPct = s.threshold
	case maxPct < 1 || maxPct > 100:
		return nil, invalid("max_percent", "must be between 1 and 100 (0: the server's threshold)")
	}
	page, err := s.batteries.ListBatteries(ctx, store.BatteryQuery{MaxPercent: maxPct, PageSize: int(req.GetPageSize()), PageToken: req.GetPageToken()})
	if err != nil {
		return nil, toStatus(s.log, err, "page_token")
	}
	out := &rtlsv1.AssetList{NextPageToken: page.NextPageToken}
	for _, b := range page.Batteries {
		entry := &rtlsv1.AssetEntry{Tag: &rtlsv1.Tag{Id: b.Tag}, BatteryPercent: int32(b.Percent), LastSeenAt: msToProto(b.TS)}
		t, err := s.tags.Tag(ctx, b.Tag)
		switch {
		case err == nil:
			entry.Tag = TagToProto(t)
		case !errors.Is(err, geofence.ErrUnknownTag):
			return nil, toStatus(s.log, err, "request")
		}
		p, err := s.positions.GetPosition(ctx, b.Tag)
		switch {
		case err == nil:
			entry.Location = LocationToProto(p)
			if p.TS > b.TS {
				entry.LastSeenAt = msToProto(p.TS)
			}
		case !errors.Is(err, store.ErrNotFound):
			return nil, toStatus(s.log, err, "request")
		}
		out.Assets = append(out.Assets, entry)
	}
	return out, nil
}

package api

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/hospitalrtls/rtls/analytics"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// AnalyticsReader reads aggregated analytics buckets. store.Store
// implements it.
type AnalyticsReader interface {
	// ReadAnalytics returns the fields of the named buckets that exist.
	ReadAnalytics(ctx context.Context, buckets []string) (analytics.Fields, error)
}

// AnalyticsServer implements rtlsv1.AnalyticsServiceServer over the
// aggregates: it reads only the buckets of the requested range, and its
// answers carry no tag id or name.
type AnalyticsServer struct {
	rtlsv1.UnimplementedAnalyticsServiceServer

	buckets  AnalyticsReader
	minCount int
	log      *slog.Logger
}

// NewAnalyticsServer returns an AnalyticsServer whose rows of fewer than
// minCount distinct tags are suppressed (minCount < 1 is 1).
func NewAnalyticsServer(buckets AnalyticsReader, minCount int, log *slog.Logger) *AnalyticsServer {
	return &AnalyticsServer{buckets: buckets, minCount: max(minCount, 1), log: orDiscard(log)}
}

// Dwell returns visit counts and lengths per room, category or unit.
func (s *AnalyticsServer) Dwell(ctx context.Context, req *rtlsv1.DwellRequest) (*rtlsv1.DwellResponse, error) {
	sc, fs, err := s.read(ctx, req.GetScope(), analytics.KindDwell)
	if err != nil {
		return nil, err
	}
	out := &rtlsv1.DwellResponse{MinCount: int32(s.minCount)}
	for _, r := range analytics.Dwell(fs, sc, s.minCount) {
		out.Rows = append(out.Rows, &rtlsv1.DwellRow{Key: r.Key, Visits: r.Visits, DistinctTags: r.DistinctTags,
			MeanS: r.MeanS, P50S: r.P50S, P90S: r.P90S, Suppressed: r.Suppressed})
	}
	return out, nil
}

// Transitions returns the moves between rooms, categories or units.
func (s *AnalyticsServer) Transitions(ctx context.Context, req *rtlsv1.TransitionsRequest) (*rtlsv1.TransitionsResponse, error) {
	sc, fs, err := s.read(ctx, req.GetScope(), analytics.KindTransitions)
	if err != nil {
		return nil, err
	}
	out := &rtlsv1.TransitionsResponse{MinCount: int32(s.minCount)}
	for _, r := range analytics.Transitions(fs, sc, s.minCount) {
		out.Rows = append(out.Rows, &rtlsv1.TransitionRow{FromKey: r.From, ToKey: r.To, Count: r.Count,
			DistinctTags: r.DistinctTags, Suppressed: r.Suppressed})
	}
	return out, nil
}

// Occupancy returns the distinct tags per room, category or unit per hour.
func (s *AnalyticsServer) Occupancy(ctx context.Context, req *rtlsv1.OccupancyRequest) (*rtlsv1.OccupancyResponse, error) {
	sc, fs, err := s.read(ctx, req.GetScope(), analytics.KindOccupancy)
	if err != nil {
		return nil, err
	}
	out := &rtlsv1.OccupancyResponse{MinCount: int32(s.minCount)}
	for _, r := range analytics.Occupancy(fs, sc, s.minCount) {
		out.Rows = append(out.Rows, &rtlsv1.OccupancyRow{Key: r.Key, Hour: msToProto(r.Hour),
			DistinctTags: r.DistinctTags, Suppressed: r.Suppressed})
	}
	return out, nil
}

// Utilization returns the shares of time assets spent in use and
// available, per asset type and unit.
func (s *AnalyticsServer) Utilization(ctx context.Context, req *rtlsv1.UtilizationRequest) (*rtlsv1.UtilizationResponse, error) {
	from, to, err := checkAnalyticsRange(req.GetFrom(), req.GetTo(), "")
	if err != nil {
		return nil, err
	}
	fs, err := s.buckets.ReadAnalytics(ctx, analytics.Buckets(analytics.KindUtilization, 0, from, to))
	if err != nil {
		return nil, toStatus(s.log, err, "")
	}
	sc := analytics.UtilizationScope{From: from, To: to, Type: req.GetAssetType(), Unit: req.GetUnitId()}
	out := &rtlsv1.UtilizationResponse{MinCount: int32(s.minCount)}
	for _, r := range analytics.Utilization(fs, sc, s.minCount) {
		out.Rows = append(out.Rows, &rtlsv1.UtilizationRow{AssetType: r.AssetType, UnitId: r.Unit, Assets: r.Assets,
			InUseShare: r.InUse, AvailableShare: r.Available, OtherShare: r.Other, IdleAssets: r.Idle,
			Suppressed: r.Suppressed})
	}
	return out, nil
}

// read validates a scope and reads the buckets of kind it covers.
func (s *AnalyticsServer) read(ctx context.Context, scope *rtlsv1.AnalyticsScope, kind analytics.Kind) (analytics.Scope, analytics.Fields, error) {
	sc, err := scopeFromProto(scope)
	if err != nil {
		return sc, nil, err
	}
	fs, err := s.buckets.ReadAnalytics(ctx, analytics.Buckets(kind, sc.Group, sc.From, sc.To))
	if err != nil {
		return sc, nil, toStatus(s.log, err, "scope")
	}
	return sc, fs, nil
}

// scopeFromProto validates and converts an AnalyticsScope.
func scopeFromProto(p *rtlsv1.AnalyticsScope) (analytics.Scope, error) {
	if p == nil {
		return analytics.Scope{}, invalid("scope", "required")
	}
	from, to, err := checkAnalyticsRange(p.GetFrom(), p.GetTo(), "scope.")
	if err != nil {
		return analytics.Scope{}, err
	}
	c := p.GetTagClass()
	if c != rtlsv1.TagClass_TAG_CLASS_UNSPECIFIED && !knownTagClass(c) {
		return analytics.Scope{}, invalid("scope.tag_class", fmt.Sprintf("unknown tag class %d", int32(c)))
	}
	var g analytics.Grouping
	switch p.GetGroupBy() {
	case rtlsv1.Grouping_GROUPING_UNSPECIFIED, rtlsv1.Grouping_ROOM:
		g = analytics.ByRoom
	case rtlsv1.Grouping_CATEGORY:
		g = analytics.ByCategory
	case rtlsv1.Grouping_UNIT:
		g = analytics.ByUnit
	default:
		return analytics.Scope{}, invalid("scope.group_by", fmt.Sprintf("unknown grouping %d", int32(p.GetGroupBy())))
	}
	return analytics.Scope{From: from, To: to, Class: TagClassFromProto(c), Group: g}, nil
}

// checkAnalyticsRange validates from and to (fields named with prefix)
// and returns them in epoch ms.
func checkAnalyticsRange(from, to *timestamppb.Timestamp, prefix string) (int64, int64, error) {
	switch {
	case from == nil:
		return 0, 0, invalid(prefix+"from", "required")
	case from.CheckValid() != nil:
		return 0, 0, invalid(prefix+"from", "not a valid timestamp")
	case to == nil:
		return 0, 0, invalid(prefix+"to", "required")
	case to.CheckValid() != nil:
		return 0, 0, invalid(prefix+"to", "not a valid timestamp")
	}
	f, t := from.AsTime().UnixMilli(), to.AsTime().UnixMilli()
	switch {
	case f < 0:
		return 0, 0, invalid(prefix+"from", "before 1970")
	case t <= f:
		return 0, 0, invalid(prefix+"to", "must be after from")
	case analytics.CheckRange(f, t) != nil:
		return 0, 0, invalid(prefix+"to", "at most 92 days after from")
	}
	return f, t, nil
}

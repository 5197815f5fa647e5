package api

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/hospitalrtls/rtls/floorplans"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// FloorplanServer implements rtlsv1.FloorplanServiceServer: the plan as
// GeoJSON, encoded once at start (plans are immutable once loaded).
type FloorplanServer struct {
	rtlsv1.UnimplementedFloorplanServiceServer

	// site is the whole plan, byLevel each level's features; both are
	// read-only after NewFloorplanServer.
	site    *structpb.Struct
	byLevel map[string]*structpb.Struct
}

// NewFloorplanServer encodes plan for GetFloorplan.
func NewFloorplanServer(plan *floorplans.Plan) (*FloorplanServer, error) {
	s := &FloorplanServer{byLevel: make(map[string]*structpb.Struct, len(plan.Levels))}
	var err error
	if s.site, err = toStruct(planFeatures(plan, "")); err != nil {
		return nil, err
	}
	for _, l := range plan.Levels {
		if s.byLevel[l.ID], err = toStruct(planFeatures(plan, l.ID)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// GetFloorplan returns the plan, or one level of it, as a GeoJSON
// FeatureCollection.
func (s *FloorplanServer) GetFloorplan(_ context.Context, req *rtlsv1.GetFloorplanRequest) (*structpb.Struct, error) {
	if req.GetLevelId() == "" {
		return s.site, nil
	}
	fc, ok := s.byLevel[req.GetLevelId()]
	if !ok {
		return nil, invalid("level_id", "unknown level")
	}
	return fc, nil
}

// planFeatures returns the features of FORMATS.md for one level, or for the
// whole site when level is empty, as a GeoJSON FeatureCollection.
func planFeatures(plan *floorplans.Plan, level string) map[string]any {
	var features []any
	add := func(lvl string, geometry map[string]any, props map[string]any) {
		if level == "" || lvl == level {
			features = append(features, map[string]any{"type": "Feature", "geometry": geometry, "properties": props})
		}
	}
	for _, l := range plan.Levels {
		add(l.ID, polygon(l.Outline), map[string]any{"type": "level", "id": l.ID, "name": l.Name, "ordinal": l.Ordinal})
	}
	for _, r := range plan.Rooms {
		props := map[string]any{"type": "room", "id": r.ID, "name": r.Name, "level": r.Level, "category": r.Category}
		if r.Unit != "" {
			props["unit"] = r.Unit
		}
		add(r.Level, polygon(r.Polygon), props)
	}
	for _, d := range plan.Doors {
		add(d.Level, map[string]any{"type": "LineString", "coordinates": points(d.Line)},
			map[string]any{"type": "door", "level": d.Level, "connects": []any{d.Connects[0], d.Connects[1]}})
	}
	for _, r := range plan.Readers {
		add(r.Level, map[string]any{"type": "Point", "coordinates": point(r.Point)},
			map[string]any{"type": "reader", "id": r.ID, "level": r.Level, "kind": string(r.Kind)})
	}
	for _, z := range plan.Zones {
		add(z.Level, polygon(z.Polygon), map[string]any{"type": "zone", "id": z.ID, "name": z.Name, "level": z.Level})
	}
	return map[string]any{"type": "FeatureCollection", "features": features}
}

// polygon is the GeoJSON geometry of a polygon.
func polygon(p orb.Polygon) map[string]any {
	rings := make([]any, len(p))
	for i, r := range p {
		rings[i] = points(r)
	}
	return map[string]any{"type": "Polygon", "coordinates": rings}
}

// points are GeoJSON positions.
func points[T ~[]orb.Point](ps T) []any {
	out := make([]any, len(ps))
	for i, p := range ps {
		out[i] = point(p)
	}
	return out
}

// point is one GeoJSON position.
func point(p orb.Point) []any { return []any{p[0], p[1]} }

// toStruct converts a GeoJSON object to its protobuf Struct form.
func toStruct(fc map[string]any) (*structpb.Struct, error) {
	s, err := structpb.NewStruct(fc)
	if err != nil {
		return nil, fmt.Errorf("api: cannot encode floorplan: %w", err)
	}
	return s, nil
}

package geofence

import (
	"errors"
	"fmt"

	"github.com/paulmach/orb"

	"github.com/hospitalrtls/rtls/floorplans"
)

// cleanPolygon checks a zone polygon (floorplans.CleanPolygon, and at most
// MaxZoneVertices vertices) and returns it with its rings closed, or what
// is wrong with it.
func cleanPolygon(poly orb.Polygon) (orb.Polygon, string) {
	n := 0
	for _, r := range poly {
		n += len(r)
	}
	if n > MaxZoneVertices {
		return nil, fmt.Sprintf("more than %d vertices", MaxZoneVertices)
	}
	clean, err := floorplans.CleanPolygon(poly)
	if pe := (*floorplans.PolygonError)(nil); errors.As(err, &pe) {
		return nil, pe.Msg
	}
	return clean, ""
}

package server

import (
	"testing"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/demo"
	"github.com/hospitalrtls/rtls/location/geofence"
)

// TestDemoRegistry: every demo tag is a valid registry entry whose unit is
// one of the ward's, and no patient has a name.
func TestDemoRegistry(t *testing.T) {
	plan, err := floorplans.Parse(demo.Floorplan(), demo.SiteID)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := geofence.New(plan, geofence.Config{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, dt := range demo.Tags() {
		tag, err := demoTag(dt)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := eng.PutTag(tag, 0)
		if err != nil {
			t.Fatalf("demo tag %s: %v", dt.ID, err)
		}
		if got.Class == geofence.ClassPatient && got.Name != "" {
			t.Errorf("patient %s has a name", dt.ID)
		}
		if got.Class == geofence.ClassAsset && (got.MaintenanceDue == 0 || got.Serial == "") {
			t.Errorf("asset %s without maintenance date or serial: %+v", dt.ID, got)
		}
	}
}

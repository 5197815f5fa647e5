package pipeline_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

// TestStatusChangesStored: a status set through PutTag is stored in one
// update with its STATUS_CHANGED event, the asset's history and the tag
// as changed.
func TestStatusChangesStored(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	tag := geofence.Tag{ID: "PUMP-9", Class: geofence.ClassAsset, Type: "infusion_pump", Status: geofence.StatusAvailable}
	if _, err := r.p.PutTag(ctx, tag); err != nil {
		t.Fatal(err)
	}
	tag.Status = geofence.StatusMaintenance
	got, err := r.p.PutTag(ctx, tag)
	if err != nil {
		t.Fatal(err)
	}
	if got.StatusChangedAt == 0 {
		t.Errorf("PutTag returned %+v without the time of the change", got)
	}
	var stored geofence.Tag
	if err := json.Unmarshal(r.stored(store.ConfigTag)[tag.ID], &stored); err != nil || stored != got {
		t.Fatalf("stored tag %+v (%v), want %+v", stored, err, got)
	}
	page, err := r.w.st.ListStatusHistory(ctx, store.StatusQuery{Tag: tag.ID})
	if err != nil {
		t.Fatal(err)
	}
	want := []geofence.StatusChange{
		{Tag: tag.ID, Previous: geofence.StatusAvailable, Status: geofence.StatusMaintenance, TS: got.StatusChangedAt, Source: geofence.SourceAPI},
	}
	if len(page.Changes) != 2 || page.Changes[0] != want[0] || page.Changes[1].Status != geofence.StatusAvailable {
		t.Fatalf("history %+v, want %+v then the change to AVAILABLE", page.Changes, want)
	}
	var events int
	for _, ev := range r.storedEvents() {
		if ev.Type == geofence.StatusChanged && ev.Tag == tag.ID {
			events++
		}
	}
	if events != 2 {
		t.Fatalf("%d STATUS_CHANGED events stored, want 2", events)
	}
}

package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/pipeline"
	"github.com/hospitalrtls/rtls/store"
)

// TestAdminWhileStoreDown changes zones, rules and tags while the store
// fails: each change takes effect at once but returns ErrNotStored; once
// the store works again, the configuration it leads to is persisted, in
// order (a rule put then deleted is gone), and later changes return nil.
func TestAdminWhileStoreDown(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.w.setDown(true)
	zone := geofence.Zone{ID: "BAY", Level: "L0", Category: "bed_bay",
		Polygon: orb.Polygon{{{17.5, 1}, {21, 1}, {21, 7}, {17.5, 7}, {17.5, 1}}}}
	keep := geofence.Rule{ID: "bay-enter", Type: geofence.RuleEnter, Group: &geofence.Group{Category: "bed_bay"}, Enabled: true}
	drop := geofence.Rule{ID: "s03-exit", Type: geofence.RuleExit, ZoneID: "L0-S03", Enabled: true}
	tag := geofence.Tag{ID: "PUMP-9", Class: geofence.ClassAsset, Type: "infusion_pump"}
	steps := []struct {
		name string
		do   func() error
	}{
		{"CreateZone", func() error { _, err := r.p.CreateZone(ctx, zone); return err }},
		{"CreateRule keep", func() error { _, err := r.p.CreateRule(ctx, keep); return err }},
		{"CreateRule drop", func() error { _, err := r.p.CreateRule(ctx, drop); return err }},
		{"DeleteRule drop", func() error { return r.p.DeleteRule(ctx, drop.ID) }},
		{"PutTag", func() error { _, err := r.p.PutTag(ctx, tag); return err }},
	}
	for _, s := range steps {
		if err := s.do(); !errors.Is(err, pipeline.ErrNotStored) {
			t.Fatalf("%s while the store is down: %v, want ErrNotStored", s.name, err)
		}
	}
	if _, err := r.p.Rule(ctx, keep.ID); err != nil {
		t.Errorf("rule %s not in effect: %v", keep.ID, err)
	}
	if _, err := r.p.Rule(ctx, drop.ID); !errors.Is(err, geofence.ErrUnknownRule) {
		t.Errorf("deleted rule %s: %v, want ErrUnknownRule", drop.ID, err)
	}
	if _, err := r.p.Tag(ctx, tag.ID); err != nil {
		t.Errorf("tag not in effect: %v", err)
	}

	r.w.setDown(false)
	r.eventually("the tag is stored", func() bool { return len(r.stored(store.ConfigTag)) == 1 })
	wantRule, _ := r.p.Rule(ctx, keep.ID)
	wantZone, _ := r.p.Zone(ctx, zone.ID)
	checks := []struct {
		kind string
		want map[string]any
		into func() any
	}{
		{store.ConfigRule, map[string]any{keep.ID: &wantRule}, func() any { return &geofence.Rule{} }},
		{store.ConfigZone, map[string]any{zone.ID: &wantZone}, func() any { return &geofence.Zone{} }},
		{store.ConfigTag, map[string]any{tag.ID: &tag}, func() any { return &geofence.Tag{} }},
	}
	for _, c := range checks {
		got := r.stored(c.kind)
		if len(got) != len(c.want) {
			t.Errorf("stored %ss: %d, want %d", c.kind, len(got), len(c.want))
		}
		for id, want := range c.want {
			v := c.into()
			if err := json.Unmarshal(got[id], v); err != nil {
				t.Fatalf("stored %s %s: %v", c.kind, id, err)
			}
			if !reflect.DeepEqual(v, want) {
				t.Errorf("stored %s %s = %+v, want %+v", c.kind, id, v, want)
			}
		}
	}
	if _, err := r.p.CreateRule(ctx, drop); err != nil {
		t.Fatalf("CreateRule with the store up: %v", err)
	}
	if got := r.stored(store.ConfigRule); len(got) != 2 {
		t.Fatalf("after CreateRule returned, %d rules stored, want 2", len(got))
	}
}

// TestCreateConcurrent creates one rule id and one zone id from many
// goroutines at once: the check and the write are one step of the pipeline
// goroutine, so exactly one create of each succeeds and the others get
// geofence.ErrExists, and the one that won is what is stored.
func TestCreateConcurrent(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	const n = 16
	errs := make(chan error, 2*n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			rule := geofence.Rule{ID: "same", Type: geofence.RuleDwell, ZoneID: "L0-S03",
				Duration: time.Duration(i+1) * time.Second, Enabled: true}
			_, err := r.p.CreateRule(ctx, rule)
			errs <- err
		})
		wg.Go(func() {
			zone := geofence.Zone{ID: "BAY", Level: "L0", Category: fmt.Sprint("bay-", i),
				Polygon: orb.Polygon{{{17.5, 1}, {21, 1}, {21, 7}, {17.5, 7}}}}
			_, err := r.p.CreateZone(ctx, zone)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	var ok, exists int
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, geofence.ErrExists):
			exists++
		default:
			t.Errorf("create: %v", err)
		}
	}
	if ok != 2 || exists != 2*n-2 {
		t.Errorf("%d creates succeeded and %d got ErrExists, want 2 and %d", ok, exists, 2*n-2)
	}
	rule, err := r.p.Rule(ctx, "same")
	if err != nil {
		t.Fatal(err)
	}
	var stored geofence.Rule
	if err := json.Unmarshal(r.stored(store.ConfigRule)["same"], &stored); err != nil || !reflect.DeepEqual(stored, rule) {
		t.Errorf("stored rule %+v (%v), want the one in effect %+v", stored, err, rule)
	}
}

// stored returns the configuration of a kind in the store.
func (r *rig) stored(kind string) map[string][]byte {
	r.t.Helper()
	m, err := r.w.st.LoadConfig(context.Background(), kind)
	if err != nil {
		r.t.Fatal(err)
	}
	return m
}

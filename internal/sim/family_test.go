package sim_test

import (
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/internal/sim"
)

// TestFamilyMembers checks that every member of the robustness family
// builds a valid plan with the readers and levels it describes, and that
// a short run yields sightings and one truth row per tag per second.
func TestFamilyMembers(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range sim.Family() {
		if seen[m.Name] {
			t.Fatalf("member %s twice", m.Name)
		}
		seen[m.Name] = true
		plan, err := m.Building.Plan()
		if err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		if len(plan.Levels) != len(m.Building.Levels) {
			t.Errorf("%s: %d levels, want %d", m.Name, len(plan.Levels), len(m.Building.Levels))
		}
		ranging := 0
		for _, r := range plan.Readers {
			if r.Kind.Ranging() {
				ranging++
				if r.RSSIAt1m != -59 || r.PathLossExponent != 2 {
					t.Errorf("%s: reader %s carries %g dBm / %g, want the nominal -59 / 2", m.Name, r.ID, r.RSSIAt1m, r.PathLossExponent)
				}
			}
		}
		// a cellular level has 2 rows of RoomsPerRow rooms: one reader per ReaderEvery rooms, give or take the corridor's
		if rooms := 2 * m.Building.RoomsPerRow * len(m.Building.Levels); ranging < rooms/m.Building.ReaderEvery/2 || ranging > rooms/m.Building.ReaderEvery+2*len(m.Building.Levels)+4 {
			t.Errorf("%s: %d ranging readers for %d rooms at one per %d", m.Name, ranging, rooms, m.Building.ReaderEvery)
		}
		short := m
		short.Duration = 20 * time.Second
		_, ss, truth, err := short.Run()
		if err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		if len(ss) == 0 || len(truth) != m.Tags*20 {
			t.Errorf("%s: %d sightings and %d truth rows in 20 s, want some and %d", m.Name, len(ss), len(truth), m.Tags*20)
		}
	}
}

// TestBuildingRejectsTooSmall checks the generator's input checks.
func TestBuildingRejectsTooSmall(t *testing.T) {
	for _, b := range []sim.Building{
		{},
		{Levels: []sim.Layout{sim.Cellular}, RoomsPerRow: 2, ReaderEvery: 1},
		{Levels: []sim.Layout{sim.OpenPlan}, RoomsPerRow: 5, ReaderEvery: 0},
	} {
		if _, err := b.Plan(); err == nil {
			t.Errorf("%+v: no error", b)
		}
	}
}

package api

import "github.com/hospitalrtls/rtls/floorplans"

// floorplanLookup is the PlanLookup of a floorplan.
type floorplanLookup struct{ plan *floorplans.Plan }

// PlanLookupOf returns the PlanLookup of a loaded floorplan.
func PlanLookupOf(p *floorplans.Plan) PlanLookup { return floorplanLookup{p} }

// HasLevel reports whether the plan has the level.
func (f floorplanLookup) HasLevel(id string) bool {
	_, ok := f.plan.Level(id)
	return ok
}

// HasRoom reports whether the plan has the room.
func (f floorplanLookup) HasRoom(id string) bool {
	_, ok := f.plan.Room(id)
	return ok
}

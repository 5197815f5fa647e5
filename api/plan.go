package api

import "github.com/hospitalrtls/rtls/floorplans"

// floorplanLookup is the PlanLookup of a floorplan.
type floorplanLookup struct {
	plan  *floorplans.Plan
	units map[string]bool // the unit ids rooms name
}

// PlanLookupOf returns the PlanLookup of a loaded floorplan.
func PlanLookupOf(p *floorplans.Plan) PlanLookup {
	units := make(map[string]bool)
	for _, r := range p.Rooms {
		if u := roomUnit(r); u != "" {
			units[u] = true
		}
	}
	return floorplanLookup{plan: p, units: units}
}

// roomUnit is where the API reads which unit a room of the plan belongs to.
func roomUnit(r *floorplans.Room) string { return r.Unit }

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

// HasUnit reports whether a room of the plan belongs to the unit.
func (f floorplanLookup) HasUnit(id string) bool { return f.units[id] }

// UnitOf returns the unit of a room; "" for none or an unknown room.
func (f floorplanLookup) UnitOf(room string) string {
	r, ok := f.plan.Room(room)
	if !ok {
		return ""
	}
	return roomUnit(r)
}

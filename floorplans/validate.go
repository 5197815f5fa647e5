package floorplans

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// validate checks the decoded features against each other and FORMATS.md,
// computes derived fields, and returns the indexed plan, or the problems.
func (f *features) validate() (*Plan, error) {
	p := &Plan{Levels: f.levels, Rooms: f.rooms, Doors: f.doors, Readers: f.readers, Zones: f.zones, Units: f.units}
	f.checkIDs(p)
	f.checkLevels(p)
	for _, r := range p.Rooms {
		f.checkRoom(p, r)
	}
	for _, z := range p.Zones {
		f.checkZone(p, z)
	}
	f.checkUnits(p)
	for _, d := range p.Doors {
		f.checkDoor(p, d)
	}
	for _, r := range p.Readers {
		f.checkReader(p, r)
	}
	f.checkOverlaps(p)
	if err := f.err(); err != nil {
		return nil, err
	}
	p.index()
	return p, nil
}

// usable reports whether field of x has no reported problem yet.
func (f *features) usable(x any, field string) bool {
	return !f.skip[fieldKey{x, field}]
}

// fail reports a problem with field of x and marks the field unusable.
func (f *features) fail(x any, field, msg string) {
	f.skip[fieldKey{x, field}] = true
	if field != "geometry" {
		field = "properties." + field
	}
	f.problem(x, field, msg)
}

// required reports an empty required string property.
func (f *features) required(x any, field, v string) {
	if v == "" && f.usable(x, field) {
		f.fail(x, field, "missing")
	}
}

// checkIDs reports ids used by more than one feature, of any type, and
// fills the plan's id maps with the first feature of each id.
func (f *features) checkIDs(p *Plan) {
	type entry struct {
		x  any
		id string
	}
	var all []entry
	p.levels, p.rooms = make(map[string]*Level), make(map[string]*Room)
	p.readers, p.zones = make(map[string]*Reader), make(map[string]*Zone)
	p.units = make(map[string]*Unit)
	for _, l := range f.levels {
		f.required(l, "id", l.ID)
		all = append(all, entry{l, l.ID})
	}
	for _, r := range f.rooms {
		f.required(r, "id", r.ID)
		all = append(all, entry{r, r.ID})
	}
	for _, r := range f.readers {
		f.required(r, "id", r.ID)
		all = append(all, entry{r, r.ID})
	}
	for _, z := range f.zones {
		f.required(z, "id", z.ID)
		all = append(all, entry{z, z.ID})
	}
	for _, u := range f.units {
		all = append(all, entry{u, u.ID})
	}
	slices.SortStableFunc(all, func(a, b entry) int {
		oa, ob := f.origins[a.x], f.origins[b.x]
		return cmp.Or(cmp.Compare(oa.file, ob.file), cmp.Compare(oa.index, ob.index))
	})
	first := make(map[string]any, len(all))
	for _, e := range all {
		if e.id == "" {
			continue
		}
		if prev, dup := first[e.id]; dup {
			f.fail(e.x, "id", "duplicate id, first used by "+f.where(prev))
			continue
		}
		first[e.id] = e.x
		p.register(e.x)
	}
}

// register adds a feature with a unique id to the plan's id maps.
func (p *Plan) register(x any) {
	switch v := x.(type) {
	case *Level:
		p.levels[v.ID] = v
	case *Room:
		p.rooms[v.ID] = v
	case *Reader:
		p.readers[v.ID] = v
	case *Zone:
		p.zones[v.ID] = v
	case *Unit:
		p.units[v.ID] = v
	}
}

func (f *features) checkLevels(p *Plan) {
	ordinals := make(map[int]*Level)
	for _, l := range p.Levels {
		f.required(l, "name", l.Name)
		if !isFinite(l.ElevationM) {
			f.fail(l, "elevation_m", "not a finite number")
		}
		f.checkPolygon(l, l.Outline)
		if !f.usable(l, "ordinal") || !f.usable(l, "id") {
			continue
		}
		if prev, dup := ordinals[l.Ordinal]; dup {
			f.fail(l, "ordinal", fmt.Sprintf("ordinal %d also used by level %s", l.Ordinal, prev.ID))
			continue
		}
		ordinals[l.Ordinal] = l
	}
}

// checkLevelRef reports a level id that names no level; it returns
// whether the level is known.
func (f *features) checkLevelRef(p *Plan, x any, level string) bool {
	f.required(x, "level", level)
	if level == "" || !f.usable(x, "level") {
		return false
	}
	if _, ok := p.levels[level]; !ok {
		f.fail(x, "level", fmt.Sprintf("unknown level %q", level))
		return false
	}
	return true
}

// checkPolygon checks a polygon geometry; it returns whether it is usable.
func (f *features) checkPolygon(x any, poly orb.Polygon) bool {
	if !f.usable(x, "geometry") {
		return false
	}
	return polygonProblems(poly, func(msg string) { f.fail(x, "geometry", msg) })
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

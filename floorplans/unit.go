package floorplans

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/paulmach/orb"
)

// Unit is a hospital unit ("4 West"): a named set of rooms. A plan declares
// one with a `unit` feature (id, name, rooms; null geometry or a
// MultiPolygon drawing it), or implicitly with the `unit` property of its
// rooms; both may be used, and a room belongs to at most one unit.
type Unit struct {
	ID   string
	Name string // the id when the unit is only named by rooms
	// Rooms are the ids of the unit's rooms, sorted: those the feature
	// lists and those whose `unit` property names it.
	Rooms []string
	// Outline is the feature's MultiPolygon, nil when it has none. It is a
	// drawing: membership is by Rooms.
	Outline orb.MultiPolygon
}

// Unit returns the unit with the given id.
func (p *Plan) Unit(id string) (*Unit, bool) {
	if p == nil {
		return nil, false
	}
	u, ok := p.units[id]
	return u, ok
}

// decodeUnit reads a unit feature.
func decodeUnit(f *features, p *props, geom json.RawMessage) {
	u := &Unit{ID: p.str("id"), Name: p.str("name")}
	u.Rooms = p.strings("rooms")
	if !isNull(geom) {
		u.Outline = p.multiPolygon(geom)
	}
	f.units = append(f.units, u)
	p.register(u)
}

// strings returns a property holding an array of strings; absent is none.
func (p *props) strings(key string) []string {
	raw := p.m[key]
	if isNull(raw) {
		return nil
	}
	var ss []string
	if err := json.Unmarshal(raw, &ss); err != nil {
		p.propProblem(key, "want an array of strings")
		return nil
	}
	return ss
}

// multiPolygon reads a MultiPolygon geometry.
func (p *props) multiPolygon(raw json.RawMessage) orb.MultiPolygon {
	c := p.geometry(raw, "MultiPolygon")
	if c == nil {
		return nil
	}
	var polys [][][][]number
	if err := json.Unmarshal(c, &polys); err != nil {
		p.geomProblem("coordinates: want an array of polygons")
		return nil
	}
	mp := make(orb.MultiPolygon, 0, len(polys))
	for _, rings := range polys {
		var poly orb.Polygon
		for _, ring := range rings {
			r := make(orb.Ring, 0, len(ring))
			for _, pos := range ring {
				if len(pos) < 2 {
					p.geomProblem("coordinates: want positions [x, y]")
					return nil
				}
				r = append(r, toPoint(pos))
			}
			poly = append(poly, r)
		}
		mp = append(mp, poly)
	}
	return mp
}

// checkUnits checks the units against the rooms: every listed room exists,
// no room is in two units; and it completes the units with the rooms that
// name them, making the units only rooms name, and sets Room.Unit.
func (f *features) checkUnits(p *Plan) {
	owner := make(map[string]*Unit) // room id -> unit listing it
	for _, u := range f.units {
		f.required(u, "id", u.ID)
		if u.Name == "" {
			u.Name = u.ID
		}
		for i, id := range u.Rooms {
			field := fmt.Sprintf("rooms[%d]", i)
			switch prev, dup := owner[id]; {
			case p.rooms[id] == nil:
				f.fail(u, field, fmt.Sprintf("unknown room %q", id))
			case dup && prev == u:
				f.fail(u, field, fmt.Sprintf("room %q listed twice", id))
			case dup:
				f.fail(u, field, fmt.Sprintf("room %q is already in %s", id, f.where(prev)))
			default:
				owner[id] = u
			}
		}
	}
	for _, r := range p.Rooms {
		f.roomUnit(p, r, owner)
	}
	for _, u := range p.Units {
		slices.Sort(u.Rooms)
		u.Rooms = slices.Compact(u.Rooms)
	}
	slices.SortFunc(p.Units, func(a, b *Unit) int { return strings.Compare(a.ID, b.ID) })
}

// roomUnit reconciles a room's unit property with the unit listing it.
func (f *features) roomUnit(p *Plan, r *Room, owner map[string]*Unit) {
	listed := owner[r.ID]
	switch {
	case r.Unit == "" && listed != nil:
		r.Unit = listed.ID
	case r.Unit == "" || !f.usable(r, "unit"):
	case listed != nil && listed.ID != r.Unit:
		f.fail(r, "unit", fmt.Sprintf("names unit %q but %s lists the room", r.Unit, f.where(listed)))
	default:
		u := p.units[r.Unit]
		if u == nil {
			if p.levels[r.Unit] != nil || p.rooms[r.Unit] != nil || p.readers[r.Unit] != nil || p.zones[r.Unit] != nil {
				f.fail(r, "unit", fmt.Sprintf("%q is the id of another feature, not of a unit", r.Unit))
				return
			}
			u = &Unit{ID: r.Unit, Name: r.Unit}
			p.units[u.ID] = u
			p.Units = append(p.Units, u)
		}
		u.Rooms = append(u.Rooms, r.ID)
	}
}

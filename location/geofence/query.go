package geofence

import (
	"slices"
	"strings"
)

// Rules returns every rule, ordered by id.
func (e *Engine) Rules() []Rule {
	out := make([]Rule, 0, len(e.rules))
	for _, id := range e.ruleIDs() {
		out = append(out, e.rules[id].Rule.clone())
	}
	return out
}

// Rule returns the rule with the given id.
func (e *Engine) Rule(id string) (Rule, bool) {
	r := e.rules[id]
	if r == nil {
		return Rule{}, false
	}
	return r.Rule.clone(), true
}

// Zones returns every zone (rooms, plan zones and API zones) of the level,
// or of every level for "", ordered by id.
func (e *Engine) Zones(level string) []Zone {
	var out []Zone
	for _, z := range e.zones {
		if level == "" || z.z.Level == level {
			out = append(out, z.z.clone())
		}
	}
	slices.SortFunc(out, func(a, b Zone) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Zone returns the zone (or room) with the given id.
func (e *Engine) Zone(id string) (Zone, bool) {
	z := e.zones[id]
	if z == nil {
		return Zone{}, false
	}
	return z.z.clone(), true
}

// Members returns the ids of the tags inside a zone (with the default
// debounce), ordered.
func (e *Engine) Members(zoneID string) []string {
	z := e.zones[zoneID]
	if z == nil {
		return nil
	}
	var out []string
	for t := range z.tags {
		if m := t.member(z); m != nil && m.v0.in {
			out = append(out, t.id)
		}
	}
	slices.Sort(out)
	return out
}

// TagZones returns the ids of the zones a tag is inside (with the default
// debounce), ordered.
func (e *Engine) TagZones(tag string) []string {
	t := e.tags[tag]
	if t == nil {
		return nil
	}
	var out []string
	for i := range t.members {
		if t.members[i].v0.in {
			out = append(out, t.members[i].z.z.ID)
		}
	}
	slices.Sort(out)
	return out
}

// Stats counts what the engine holds, for metrics.
type Stats struct {
	Tags     int    // tags tracked
	Zones    int    // zones, rooms included
	Rules    int    // rules, disabled ones included
	Pending  int    // tags with a deadline (pending change, DWELL, ABSENCE)
	Late     uint64 // positions ignored as replayed or late
	BelowPar int    // PAR rules currently below par
}

// Stats returns the engine's counters.
func (e *Engine) Stats() Stats {
	s := Stats{Tags: len(e.tags), Zones: len(e.zones), Rules: len(e.rules), Pending: len(e.due), Late: e.late}
	for _, r := range e.par {
		if r.par.level == parBelow {
			s.BelowPar++
		}
	}
	return s
}

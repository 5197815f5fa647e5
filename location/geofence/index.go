package geofence

import (
	"slices"
	"strings"
)

// ruleState is a rule with what the engine derived from it.
type ruleState struct {
	Rule
	dur   int64        // Duration in ms
	deb   int64        // debounce (ms) of the view the rule watches
	zones []*zoneState // resolved targets, by id; nil when disabled or untargeted
	par   parState
}

// newRuleState returns the state of a validated rule.
func (e *Engine) newRuleState(r Rule) *ruleState {
	rs := &ruleState{Rule: r, dur: r.Duration.Milliseconds(), deb: e.debounce}
	if r.Debounce > 0 {
		rs.deb = r.Debounce.Milliseconds()
	}
	return rs
}

// targets reports whether the rule's target includes z.
func (r *ruleState) targets(z *zoneState) bool {
	_, found := slices.BinarySearchFunc(r.zones, z.z.ID, func(a *zoneState, id string) int {
		return strings.Compare(a.z.ID, id)
	})
	return found
}

// zoneIndex is what reindex computes for one zone.
type zoneIndex struct {
	debounce []int64
	rules    [][]*ruleState
}

// add files rule r under the view of its debounce, adding the view.
func (ix *zoneIndex) add(r *ruleState) {
	vi := slicesIndex(ix.debounce, r.deb)
	if vi < 0 {
		vi = len(ix.debounce)
		ix.debounce = append(ix.debounce, r.deb)
		ix.rules = append(ix.rules, nil)
	}
	ix.rules[vi] = append(ix.rules[vi], r)
}

// reindex resolves every rule's targets and rebuilds, per zone, the views and
// the rules watching each; members of zones whose views changed are remapped.
// It must run after any change of rules or zones.
func (e *Engine) reindex() {
	next := make(map[*zoneState]*zoneIndex, len(e.zones))
	for _, z := range e.zones {
		next[z] = &zoneIndex{debounce: []int64{e.debounce}, rules: [][]*ruleState{nil}}
	}
	byCategory := e.zonesByCategory()
	e.absence, e.par = e.absence[:0], e.par[:0]
	for _, id := range e.ruleIDs() {
		r := e.rules[id]
		e.indexRule(r, next, byCategory)
	}
	for z, ix := range next {
		if z.debounce != nil && !slices.Equal(z.debounce, ix.debounce) {
			for t := range z.tags {
				t.member(z).remap(z.debounce, ix.debounce)
				e.touch(t)
			}
		}
		z.debounce, z.rules = ix.debounce, ix.rules
	}
}

// indexRule resolves one rule and files it under its zones and lists.
func (e *Engine) indexRule(r *ruleState, next map[*zoneState]*zoneIndex, byCategory map[string][]*zoneState) {
	r.zones = nil
	if !r.Enabled {
		r.par = parState{}
		return
	}
	r.zones = e.resolve(r.Rule, byCategory)
	for _, z := range r.zones {
		next[z].add(r)
	}
	switch r.Type {
	case RuleAbsence:
		e.absence = append(e.absence, r)
	case RulePar:
		e.par = append(e.par, r)
		r.par.stale, r.par.dirty, e.parDirty = true, true, true
	}
}

// zonesByCategory groups the zones with a category, each group by id.
func (e *Engine) zonesByCategory() map[string][]*zoneState {
	m := make(map[string][]*zoneState)
	for _, z := range e.zones {
		if z.z.Category != "" {
			m[z.z.Category] = append(m[z.z.Category], z)
		}
	}
	for c, zs := range m {
		m[c] = sortedZones(zs)
	}
	return m
}

// resolve returns the zones a rule targets, by id; unknown ids are skipped.
func (e *Engine) resolve(r Rule, byCategory map[string][]*zoneState) []*zoneState {
	switch {
	case r.ZoneID != "":
		if z := e.zones[r.ZoneID]; z != nil {
			return []*zoneState{z}
		}
		return nil
	case r.Group == nil:
		return nil
	case r.Group.Category != "":
		return slices.Clone(byCategory[r.Group.Category])
	}
	var zs []*zoneState
	for _, id := range r.Group.ZoneIDs {
		if z := e.zones[id]; z != nil {
			zs = append(zs, z)
		}
	}
	return sortedZones(zs)
}

// sortedZones sorts zones by id, in place, and returns them.
func sortedZones(zs []*zoneState) []*zoneState {
	slices.SortFunc(zs, func(a, b *zoneState) int { return strings.Compare(a.z.ID, b.z.ID) })
	return zs
}

package geofence

import (
	"slices"
	"strings"
)

// Prefixes of the group ids of EventFilter.group_ids.
const (
	// GroupCategoryPrefix starts a group id naming every room and zone of a
	// category: "category:storage".
	GroupCategoryPrefix = "category:"
	// GroupRulePrefix starts a group id naming the target of a rule:
	// "rule:pumps-par".
	GroupRulePrefix = "rule:"
)

// GroupZones resolves a group id of EventFilter.group_ids into zone and
// room ids, sorted, over the zones (rooms included) and rules given; it is
// the reference for api.GroupResolver. A group id is
//   - "category:<category>": every room and zone of the category;
//   - "rule:<rule id>": the target of the rule: its zone_id, its group's
//     zone_ids or the rooms and zones of its group's category (none for an
//     ABSENCE rule without target).
//
// Any other id, an unknown rule or an empty category resolves to none.
func GroupZones(group string, zones []Zone, rules []Rule) []string {
	if cat, ok := strings.CutPrefix(group, GroupCategoryPrefix); ok {
		return zonesOfCategory(cat, zones)
	}
	id, ok := strings.CutPrefix(group, GroupRulePrefix)
	if !ok {
		return nil
	}
	i := slices.IndexFunc(rules, func(r Rule) bool { return r.ID == id })
	if i < 0 {
		return nil
	}
	switch r := rules[i]; {
	case r.ZoneID != "":
		return []string{r.ZoneID}
	case r.Group != nil && r.Group.Category != "":
		return zonesOfCategory(r.Group.Category, zones)
	case r.Group != nil:
		return slices.Sorted(slices.Values(r.Group.ZoneIDs))
	}
	return nil
}

// zonesOfCategory returns the ids of the zones of a category, sorted; none
// for the empty category.
func zonesOfCategory(cat string, zones []Zone) []string {
	if cat == "" {
		return nil
	}
	var out []string
	for _, z := range zones {
		if z.Category == cat {
			out = append(out, z.ID)
		}
	}
	slices.Sort(out)
	return out
}

// KnownGroup reports whether a group id of EventFilter.group_ids names
// something that exists: a category some room or zone has, or a rule. A
// known group may still resolve to no zones (an ABSENCE rule without
// target); an unknown one is a caller's mistake, not an empty selection.
func KnownGroup(group string, zones []Zone, rules []Rule) bool {
	if cat, ok := strings.CutPrefix(group, GroupCategoryPrefix); ok {
		return cat != "" && slices.ContainsFunc(zones, func(z Zone) bool { return z.Category == cat })
	}
	id, ok := strings.CutPrefix(group, GroupRulePrefix)
	return ok && slices.ContainsFunc(rules, func(r Rule) bool { return r.ID == id })
}

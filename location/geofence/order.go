package geofence

import (
	"cmp"
	"strings"
)

// typeRank orders events of one tag at one time: a tag leaves before it
// enters, and a stay's other events follow its entry.
var typeRank = map[EventType]int{
	Exit: 0, Enter: 1, Restricted: 2, Dwell: 3, Absence: 4, BelowPar: 5, ParRestored: 6, StatusChanged: 7,
}

// compareEvents orders events by time; at one time tag events come before
// count events, then by tag, type rank, zone and rule.
func compareEvents(a, b Event) int {
	if c := cmp.Compare(a.TS, b.TS); c != 0 {
		return c
	}
	if c := cmp.Compare(isCount(a), isCount(b)); c != 0 {
		return c
	}
	if c := strings.Compare(a.Tag, b.Tag); c != 0 {
		return c
	}
	if c := cmp.Compare(typeRank[a.Type], typeRank[b.Type]); c != 0 {
		return c
	}
	if c := strings.Compare(a.Zone, b.Zone); c != 0 {
		return c
	}
	return strings.Compare(a.Rule, b.Rule)
}

// isCount returns 1 for count events, 0 for tag events.
func isCount(e Event) int {
	if e.Type == BelowPar || e.Type == ParRestored {
		return 1
	}
	return 0
}

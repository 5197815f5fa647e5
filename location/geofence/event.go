// Package geofence turns room and zone transitions into events: enter, exit,
// dwell, absence, restricted and par-level events, with debounce.
package geofence

// EventType names what happened.
type EventType string

// Event types.
const (
	Enter       EventType = "ENTER"
	Exit        EventType = "EXIT"
	Dwell       EventType = "DWELL"
	Absence     EventType = "ABSENCE"
	Restricted  EventType = "RESTRICTED"
	BelowPar    EventType = "BELOW_PAR"
	ParRestored EventType = "PAR_RESTORED"
)

// Event is one geofence event. ID is assigned by the store when the event is
// appended to the durable stream; ids are ordered.
type Event struct {
	ID      string
	Type    EventType
	Tag     string // tag id; empty for count events
	Zone    string // zone id (a room id for rooms)
	TS      int64  // event time, epoch milliseconds
	Rule    string // id of the rule that fired; empty for the default room rule
	Trigger string // what caused it, e.g. "position", "zone_removed", "silence"
	Class   string // tag class of Tag, or the class a count rule counts
	Count   int    // tags counted, for BELOW_PAR / PAR_RESTORED
}

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
	// StatusChanged: an asset's status changed (Status, Previous), set
	// through PutTag or inferred from its location (StatusRules); Trigger
	// is the StatusChange.Source, Zone the room it was inferred in.
	StatusChanged EventType = "STATUS_CHANGED"
	// Duress: a staff tag's button was pressed (package alert).
	Duress EventType = "DURESS"
	// LowBattery: a tag's battery fell to or below the threshold (package
	// alert); Count is the percentage.
	LowBattery EventType = "LOW_BATTERY"
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
	Trigger string // what caused it: one of the Trigger constants
	Class   string // tag class of Tag, or the class a count rule counts
	Count   int    // tags counted, for BELOW_PAR / PAR_RESTORED; percent for LOW_BATTERY
	Level   string // level of the tag or zone; "" when not known
	// Status and Previous are an asset's new and former status, for
	// STATUS_CHANGED.
	Status   string
	Previous string
}

// Triggers: what caused an event (Event.Trigger).
const (
	// TriggerPosition: a position, given to Observe, made a change take
	// effect.
	TriggerPosition = "position"
	// TriggerDebounce: a Tick found that a change had held for the debounce
	// time.
	TriggerDebounce = "debounce"
	// TriggerDwell: a tag stayed in a zone for a DWELL rule's duration.
	TriggerDwell = "dwell"
	// TriggerAbsence: a tag was not seen for an ABSENCE rule's duration.
	TriggerAbsence = "absence"
	// TriggerZoneRemoved: the zone was deleted with tags inside.
	TriggerZoneRemoved = "zone_removed"
	// TriggerRuleRemoved: the rule was deleted, disabled or narrowed with
	// tags inside its target, or a PAR rule below par was.
	TriggerRuleRemoved = "rule_removed"
	// TriggerExpired: the tag was not seen within the retention and is
	// forgotten (Engine.Expire): its stays are closed, it did not move.
	TriggerExpired = "expired"
	// TriggerRuleAdded: a DWELL or ABSENCE rule was added (or widened)
	// while a tag already exceeded its duration.
	TriggerRuleAdded = "rule_added"
	// TriggerCount: a PAR count crossed the rule's MinCount.
	TriggerCount = "count"
	// TriggerButton: a tag reported a new button press (DURESS).
	TriggerButton = "button"
	// TriggerBattery: a tag reported a battery level at or below the
	// threshold (LOW_BATTERY).
	TriggerBattery = "battery"
)

package geofence

import (
	"time"

	"github.com/paulmach/orb"
)

// RuleType says which events a rule produces. The names mirror
// rtls.v1.Rule.Kind.
type RuleType string

// Rule types.
const (
	// RuleEnter fires ENTER when a tag enters the target.
	RuleEnter RuleType = "ENTER"
	// RuleExit fires EXIT when a tag leaves the target.
	RuleExit RuleType = "EXIT"
	// RuleDwell fires DWELL once per stay when a tag has been inside the
	// target for Duration.
	RuleDwell RuleType = "DWELL"
	// RuleAbsence fires ABSENCE once when a tag last seen in the target (or
	// anywhere, for a rule without a target) has not been seen for Duration.
	RuleAbsence RuleType = "ABSENCE"
	// RuleRestricted fires RESTRICTED when a tag of the rule's class enters
	// the target.
	RuleRestricted RuleType = "RESTRICTED"
	// RulePar fires BELOW_PAR when fewer than MinCount tags of the class are
	// in the target and PAR_RESTORED when there are enough again.
	RulePar RuleType = "PAR"
)

// Tag classes. The empty class is that of an unregistered tag; in a rule it
// means any class.
const (
	ClassStaff   = "staff"
	ClassAsset   = "asset"
	ClassPatient = "patient"
)

// Zone is an area whose tags the engine tracks: a room of the plan (ID = room
// id, Category = room category), a zone feature of the plan, or a zone made
// through the API. Rooms are matched by the location engine's room decision
// (Position.Room), other zones by their polygon.
type Zone struct {
	ID       string
	Name     string
	Level    string
	Category string
	Polygon  orb.Polygon
	// FromPlan is true for rooms and zone features of the plan; those cannot
	// be replaced or deleted through the engine.
	FromPlan bool
}

// Group names several zones at once: every zone of a category, or a list.
// Exactly one of the fields is set.
type Group struct {
	Category string
	ZoneIDs  []string
}

// Rule turns movements into events. Its fields mirror rtls.v1.Rule; the
// protocol's single duration field maps to Duration for DWELL and ABSENCE
// and to Debounce for the other types.
type Rule struct {
	ID   string
	Name string
	Type RuleType
	// ZoneID or Group is the target; exactly one is set. An ABSENCE rule may
	// have neither: it then covers tags wherever they were last seen.
	ZoneID string
	Group  *Group
	// TagClass restricts the rule to one class ("staff", "asset",
	// "patient"); "" means any class.
	TagClass string
	// AssetType restricts the rule to tags of this Tag.Type; "" means any.
	AssetType string
	// Duration is the DWELL or ABSENCE threshold; zero for other types.
	Duration time.Duration
	// Debounce, when > 0, replaces the engine's default debounce for the
	// zone memberships this rule watches.
	Debounce time.Duration
	// MinCount is the PAR level; zero for other types.
	MinCount int
	// Enabled rules produce events; disabled rules are kept but silent.
	Enabled bool
}

// Tag is one registered tag: what its bearer is. ValidateTag says which
// fields each class may carry.
type Tag struct {
	ID    string
	Class string // "staff", "asset" or "patient"
	Type  string // e.g. "infusion_pump" or "nurse"; free text
	Name  string // display name; never a patient's name
	// Status is an asset's status (one of the Status constants); "" for
	// staff, patients and assets never given one.
	Status string `json:",omitempty"`
	// Unit is the hospital unit of the bearer (a unit id of the floorplan):
	// an asset's owning unit, a staff member's home unit, a patient's
	// admitting unit; "" when none.
	Unit string `json:",omitempty"`
	// Role is a staff member's role ("RN", "tech", "physician", ...).
	Role string `json:",omitempty"`
	// Serial, Model and Department describe an asset.
	Serial     string `json:",omitempty"`
	Model      string `json:",omitempty"`
	Department string `json:",omitempty"`
	// MaintenanceDue is when an asset's preventive maintenance is due, in
	// epoch milliseconds; 0 when unknown.
	MaintenanceDue int64 `json:",omitempty"`
	// EncounterRef is a patient's encounter reference (an opaque id, never
	// a name).
	EncounterRef string `json:",omitempty"`
	// StatusChangedAt is when Status last changed, in epoch milliseconds
	// (event time); set by the engine, ignored in PutTag.
	StatusChangedAt int64 `json:",omitempty"`
	// MissingFrom is, while Status is MISSING, the status the asset had
	// before it went missing and returns to when seen again; set by the
	// engine, ignored in PutTag.
	MissingFrom string `json:",omitempty"`
}

// matches reports whether a tag of this class and type is one the rule
// watches.
func (r *Rule) matches(t *Tag) bool {
	return (r.TagClass == "" || r.TagClass == t.Class) &&
		(r.AssetType == "" || r.AssetType == t.Type)
}

// clone returns a deep copy of the rule.
func (r Rule) clone() Rule {
	if r.Group != nil {
		g := *r.Group
		g.ZoneIDs = append([]string(nil), r.Group.ZoneIDs...)
		r.Group = &g
	}
	return r
}

// clone returns a deep copy of the zone.
func (z Zone) clone() Zone {
	z.Polygon = z.Polygon.Clone()
	return z
}

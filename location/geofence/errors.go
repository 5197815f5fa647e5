package geofence

import (
	"errors"
	"strings"
)

// ErrInvalidRule is matched by the ValidationError of a rule that breaks
// the rules of Validate.
var ErrInvalidRule = errors.New("geofence: invalid rule")

// ErrInvalidZone is matched by the ValidationError of a zone that breaks
// the rules of ValidateZone.
var ErrInvalidZone = errors.New("geofence: invalid zone")

// ErrInvalidTag is matched by the ValidationError of a registry entry that
// breaks the rules of ValidateTag.
var ErrInvalidTag = errors.New("geofence: invalid tag")

// ErrUnknownRule is returned for a rule id the engine does not hold.
var ErrUnknownRule = errors.New("geofence: unknown rule")

// ErrUnknownZone is returned for a zone id that is neither a room nor a zone
// the engine holds.
var ErrUnknownZone = errors.New("geofence: unknown zone")

// ErrUnknownTag is returned for a tag id the registry does not hold.
var ErrUnknownTag = errors.New("geofence: unknown tag")

// ErrExists is returned by CreateRule for a rule id in use, and by
// CreateZone for the id of a zone or room.
var ErrExists = errors.New("geofence: id already in use")

// ErrPlanZone is returned when asked to replace or delete a room or a zone
// of the floorplan: those change only with the plan.
var ErrPlanZone = errors.New("geofence: zone belongs to the floorplan")

// ErrZoneInUse is returned when deleting a zone that a rule names by id.
var ErrZoneInUse = errors.New("geofence: zone in use by a rule")

// ErrFormat is returned for a rules or registry file that cannot be read in
// its format, or whose format is not known.
var ErrFormat = errors.New("geofence: bad file")

// ErrSnapshot is returned by RestoreParts for data that is not a snapshot
// part of this engine's format.
var ErrSnapshot = errors.New("geofence: bad snapshot")

// ValidationError says which field of which rule, zone or tag is wrong. It
// matches (errors.Is) one of ErrInvalidRule, ErrInvalidZone, ErrInvalidTag,
// ErrUnknownZone, ErrPlanZone.
type ValidationError struct {
	// Where locates the item in a file ("rules.yaml: line 12",
	// "tags.csv: line 3"); empty for items given in code.
	Where string
	// Kind is "rule", "zone" or "tag".
	Kind string
	// ID is the rule or zone id; empty for tags (tag ids may identify
	// patients and are never put in errors).
	ID string
	// Field is the offending field by its protocol name, e.g. "duration"
	// or "group.zone_ids[2]".
	Field string
	// Msg says what is wrong.
	Msg string

	err error
}

// Error formats the error as
// `geofence: rules.yaml: line 12: rule "r1": duration: must be > 0 for DWELL`.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("geofence: ")
	if e.Where != "" {
		b.WriteString(e.Where + ": ")
	}
	b.WriteString(e.Kind)
	if e.ID != "" {
		b.WriteString(` "` + e.ID + `"`)
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

// Unwrap returns the sentinel error the ValidationError matches.
func (e *ValidationError) Unwrap() error { return e.err }

// ruleError returns a ValidationError for a field of rule id.
func ruleError(id, field, msg string) *ValidationError {
	return &ValidationError{Kind: "rule", ID: id, Field: field, Msg: msg, err: ErrInvalidRule}
}

// zoneError returns a ValidationError for a field of zone id.
func zoneError(id, field, msg string) *ValidationError {
	return &ValidationError{Kind: "zone", ID: id, Field: field, Msg: msg, err: ErrInvalidZone}
}

// tagError returns a ValidationError for a field of a tag.
func tagError(field, msg string) *ValidationError {
	return &ValidationError{Kind: "tag", Field: field, Msg: msg, err: ErrInvalidTag}
}

// planZoneError returns a ValidationError for a zone id of the floorplan.
func planZoneError(id, msg string) *ValidationError {
	return &ValidationError{Kind: "zone", ID: id, Field: "id", Msg: msg, err: ErrPlanZone}
}

package geofence

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hospitalrtls/rtls/floorplans"
)

// MaxIDLen is the longest rule, zone or tag id accepted, in bytes.
const MaxIDLen = 256

// MaxZoneVertices is the most vertices a zone polygon may have.
const MaxZoneVertices = 10000

// ruleTypes lists the valid rule types.
var ruleTypes = map[RuleType]bool{
	RuleEnter: true, RuleExit: true, RuleDwell: true,
	RuleAbsence: true, RuleRestricted: true, RulePar: true,
}

// idProblem says what is wrong with an id, or "" when it is fine.
func idProblem(id string) string {
	switch {
	case id == "":
		return "required"
	case len(id) > MaxIDLen:
		return fmt.Sprintf("longer than %d bytes", MaxIDLen)
	case !utf8.ValidString(id):
		return "not valid UTF-8"
	case strings.IndexFunc(id, unicode.IsControl) >= 0:
		return "contains a control character"
	}
	return ""
}

// Validate checks a rule on its own (not whether its zones exist) and
// returns a *ValidationError naming the first wrong field, e.g.
// `geofence: rule "r1": duration: must be > 0 for DWELL`.
func Validate(r Rule) error {
	if msg := idProblem(r.ID); msg != "" {
		return ruleError(r.ID, "id", msg)
	}
	if !ruleTypes[r.Type] {
		return ruleError(r.ID, "event_type", fmt.Sprintf("unknown type %q (want ENTER, EXIT, DWELL, ABSENCE, RESTRICTED or PAR)", string(r.Type)))
	}
	if err := validateTarget(r); err != nil {
		return err
	}
	switch r.TagClass {
	case "", ClassStaff, ClassAsset, ClassPatient:
	default:
		return ruleError(r.ID, "tag_class", fmt.Sprintf("unknown class %q (want staff, asset or patient)", r.TagClass))
	}
	if len(r.AssetType) > MaxIDLen || !utf8.ValidString(r.AssetType) {
		return ruleError(r.ID, "asset_type", "not valid UTF-8 of at most 256 bytes")
	}
	return validateNumbers(r)
}

// validateTarget checks zone_id and group.
func validateTarget(r Rule) error {
	switch {
	case r.ZoneID != "" && r.Group != nil:
		return ruleError(r.ID, "zone_id", "set both zone_id and group; want one")
	case r.ZoneID != "":
		if msg := idProblem(r.ZoneID); msg != "" {
			return ruleError(r.ID, "zone_id", msg)
		}
		return nil
	case r.Group != nil:
		return validateGroup(r.ID, r.Group)
	case r.Type == RuleAbsence:
		return nil
	}
	return ruleError(r.ID, "zone_id", "required: a zone_id or a group")
}

// validateGroup checks that exactly one of category and zone_ids is set and
// that the ids are usable and distinct.
func validateGroup(id string, g *Group) error {
	switch {
	case g.Category != "" && len(g.ZoneIDs) > 0:
		return ruleError(id, "group", "set both category and zone_ids; want one")
	case g.Category != "":
		if msg := idProblem(g.Category); msg != "" {
			return ruleError(id, "group.category", msg)
		}
		return nil
	case len(g.ZoneIDs) == 0:
		return ruleError(id, "group", "required: a category or zone_ids")
	}
	seen := make(map[string]bool, len(g.ZoneIDs))
	for i, z := range g.ZoneIDs {
		field := fmt.Sprintf("group.zone_ids[%d]", i)
		if msg := idProblem(z); msg != "" {
			return ruleError(id, field, msg)
		}
		if seen[z] {
			return ruleError(id, field, fmt.Sprintf("zone %q listed twice", z))
		}
		seen[z] = true
	}
	return nil
}

// validateNumbers checks duration, debounce and min_count against the type.
func validateNumbers(r Rule) error {
	timed := r.Type == RuleDwell || r.Type == RuleAbsence
	switch {
	case timed && r.Duration <= 0:
		return ruleError(r.ID, "duration", fmt.Sprintf("must be > 0 for %s", r.Type))
	case !timed && r.Duration != 0:
		return ruleError(r.ID, "duration", fmt.Sprintf("must be 0 for %s (only DWELL and ABSENCE have one)", r.Type))
	case r.Debounce < 0:
		return ruleError(r.ID, "debounce", "must not be negative")
	case r.Type == RulePar && r.MinCount < 1:
		return ruleError(r.ID, "min_count", "must be >= 1 for PAR")
	case r.Type != RulePar && r.MinCount != 0:
		return ruleError(r.ID, "min_count", fmt.Sprintf("must be 0 for %s (only PAR has one)", r.Type))
	}
	return nil
}

// ValidateTag checks a registry entry on its own: an id; a class of staff,
// asset or patient; text fields of at most 256 bytes of UTF-8; and fields
// that fit the class: a patient carries no name (encounter_ref identifies
// the stay), only assets carry a status (one of the Status constants),
// serial, model, department and maintenance_due, only staff a role, only
// patients an encounter_ref. Whether Unit names a unit of the floorplan is
// the engine's check (Engine.PutTag). Errors name the field by its
// protocol name and never carry the tag id.
func ValidateTag(t Tag) error {
	if msg := idProblem(t.ID); msg != "" {
		return tagError("id", msg)
	}
	switch t.Class {
	case ClassStaff, ClassAsset, ClassPatient:
	case "":
		return tagError("class", "required (staff, asset or patient)")
	default:
		return tagError("class", fmt.Sprintf("unknown class %q (want staff, asset or patient)", t.Class))
	}
	for _, f := range tagTexts(t) {
		if len(f.v) > MaxIDLen || !utf8.ValidString(f.v) {
			return tagError(f.name, "not valid UTF-8 of at most 256 bytes")
		}
		if f.v != "" && f.class != "" && f.class != t.Class {
			return tagError(f.name, fmt.Sprintf("only a tag of class %s has one", f.class))
		}
	}
	if t.Class == ClassPatient && t.Name != "" {
		return tagError("name", "must be empty for a patient (patients carry no name; use encounter_ref)")
	}
	if t.Status != "" && !knownStatus(t.Status) {
		return tagError("status", fmt.Sprintf("unknown status %q", t.Status))
	}
	if t.MissingFrom != "" && (!knownStatus(t.MissingFrom) || t.Status != StatusMissing) {
		return tagError("missing_from", "set only on a MISSING asset, to a known status")
	}
	switch {
	case t.MaintenanceDue < 0:
		return tagError("maintenance_due", "must not be before 1970")
	case t.MaintenanceDue != 0 && t.Class != ClassAsset:
		return tagError("maintenance_due", "only a tag of class asset has one")
	case t.StatusChangedAt < 0:
		return tagError("status_changed_at", "must not be before 1970")
	}
	return nil
}

// tagText is a text field of a tag with its protocol name and the class
// that may carry it ("" for any).
type tagText struct{ name, v, class string }

// tagTexts lists the text fields of a tag.
func tagTexts(t Tag) []tagText {
	return []tagText{
		{"type", t.Type, ""}, {"name", t.Name, ""}, {"unit_id", t.Unit, ""},
		{"status", t.Status, ClassAsset}, {"role", t.Role, ClassStaff},
		{"serial", t.Serial, ClassAsset}, {"model", t.Model, ClassAsset},
		{"department", t.Department, ClassAsset}, {"encounter_ref", t.EncounterRef, ClassPatient},
	}
}

// knownStatus reports whether s is one of the Status constants.
func knownStatus(s string) bool {
	switch s {
	case StatusAvailable, StatusInUse, StatusSoiled, StatusCleaning,
		StatusMaintenance, StatusRecalled, StatusMissing:
		return true
	}
	return false
}

// ValidateZone checks a zone: an id, a level of the plan (any level when
// plan is nil) and a simple polygon with at least three distinct vertices
// and finite coordinates. Rings may be given closed or open.
func ValidateZone(z Zone, plan *floorplans.Plan) error {
	if msg := idProblem(z.ID); msg != "" {
		return zoneError(z.ID, "id", msg)
	}
	switch {
	case z.Level == "":
		return zoneError(z.ID, "level_id", "required")
	case plan != nil:
		if _, ok := plan.Level(z.Level); !ok {
			return zoneError(z.ID, "level_id", fmt.Sprintf("unknown level %q", z.Level))
		}
	}
	if len(z.Category) > MaxIDLen || !utf8.ValidString(z.Category) {
		return zoneError(z.ID, "category", "not valid UTF-8 of at most 256 bytes")
	}
	if _, msg := cleanPolygon(z.Polygon); msg != "" {
		return zoneError(z.ID, "polygon", msg)
	}
	return nil
}

// normalizeRule returns the rule with its class in lower case and its type
// in upper case, as files and callers may spell them either way.
func normalizeRule(r Rule) Rule {
	r = r.clone()
	r.Type = RuleType(strings.ToUpper(strings.TrimSpace(string(r.Type))))
	r.TagClass = strings.ToLower(strings.TrimSpace(r.TagClass))
	return r
}

// normalizeTag returns the tag with its class in lower case and its status
// in upper case.
func normalizeTag(t Tag) Tag {
	t.Class = strings.ToLower(strings.TrimSpace(t.Class))
	t.Status = strings.ToUpper(strings.TrimSpace(t.Status))
	return t
}

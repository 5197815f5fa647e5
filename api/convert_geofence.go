package api

import (
	"errors"
	"time"

	"github.com/paulmach/orb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// RuleToProto converts a domain rule to its protobuf form. The single
// protocol duration is Duration for DWELL and ABSENCE and Debounce for the
// other types (unset when zero); the Debounce of a DWELL or ABSENCE rule
// has no protocol field and is left out.
func RuleToProto(r geofence.Rule) *rtlsv1.Rule {
	p := &rtlsv1.Rule{
		Id:        r.ID,
		Name:      r.Name,
		EventType: RuleKindToProto(r.Type),
		TagClass:  TagClassToProto(r.TagClass),
		AssetType: r.AssetType,
		Duration:  durationToProto(ruleDuration(r)),
		MinCount:  clampInt32(r.MinCount),
		Enabled:   r.Enabled,
	}
	switch {
	case r.ZoneID != "":
		p.Target = &rtlsv1.Rule_ZoneId{ZoneId: r.ZoneID}
	case r.Group != nil:
		p.Target = &rtlsv1.Rule_Group{Group: &rtlsv1.ZoneGroup{
			Category: r.Group.Category,
			ZoneIds:  append([]string(nil), r.Group.ZoneIDs...),
		}}
	}
	return p
}

// RuleFromProto converts a protobuf rule to a domain rule. Unknown kinds
// and classes become "" (checkRule rejects them first).
func RuleFromProto(p *rtlsv1.Rule) geofence.Rule {
	r := geofence.Rule{
		ID:        p.GetId(),
		Name:      p.GetName(),
		Type:      RuleKindFromProto(p.GetEventType()),
		ZoneID:    p.GetZoneId(),
		TagClass:  TagClassFromProto(p.GetTagClass()),
		AssetType: p.GetAssetType(),
		MinCount:  int(p.GetMinCount()),
		Enabled:   p.GetEnabled(),
	}
	if g := p.GetGroup(); g != nil {
		r.Group = &geofence.Group{Category: g.GetCategory(), ZoneIDs: append([]string(nil), g.GetZoneIds()...)}
	}
	d := durationFromProto(p.GetDuration())
	if timedRule(r.Type) {
		r.Duration = d
	} else {
		r.Debounce = d
	}
	return r
}

// RuleKindToProto converts a domain rule type (upper case, as stored);
// unknown types become KIND_UNSPECIFIED.
func RuleKindToProto(t geofence.RuleType) rtlsv1.Rule_Kind {
	v, ok := rtlsv1.Rule_Kind_value[string(t)]
	if !ok {
		return rtlsv1.Rule_KIND_UNSPECIFIED
	}
	return rtlsv1.Rule_Kind(v)
}

// RuleKindFromProto converts a protobuf rule kind; UNSPECIFIED and unknown
// values become "".
func RuleKindFromProto(k rtlsv1.Rule_Kind) geofence.RuleType {
	if !knownRuleKind(k) {
		return ""
	}
	return geofence.RuleType(k.String())
}

// knownRuleKind reports whether k is a defined kind other than UNSPECIFIED.
func knownRuleKind(k rtlsv1.Rule_Kind) bool {
	_, ok := rtlsv1.Rule_Kind_name[int32(k)]
	return ok && k != rtlsv1.Rule_KIND_UNSPECIFIED
}

// timedRule reports whether the protocol duration of a rule type is its
// threshold (DWELL, ABSENCE) rather than its debounce.
func timedRule(t geofence.RuleType) bool {
	return t == geofence.RuleDwell || t == geofence.RuleAbsence
}

// ruleDuration returns the domain duration the protocol field carries.
func ruleDuration(r geofence.Rule) time.Duration {
	if timedRule(r.Type) {
		return r.Duration
	}
	return r.Debounce
}

// durationToProto converts a duration; zero means unset.
func durationToProto(d time.Duration) *durationpb.Duration {
	if d == 0 {
		return nil
	}
	return durationpb.New(d)
}

// durationFromProto converts a duration (checked by checkDuration); unset
// means zero.
func durationFromProto(d *durationpb.Duration) time.Duration {
	if d == nil {
		return 0
	}
	return d.AsDuration()
}

// ZoneToProto converts a domain zone to its protobuf form: the outer ring
// of its polygon, open (holes have no protocol field and are left out).
func ZoneToProto(z geofence.Zone) *rtlsv1.Zone {
	p := &rtlsv1.Zone{Id: z.ID, Name: z.Name, LevelId: z.Level, Category: z.Category}
	if len(z.Polygon) == 0 {
		return p
	}
	ring := z.Polygon[0]
	if n := len(ring); n > 1 && ring[0] == ring[n-1] {
		ring = ring[:n-1]
	}
	p.Polygon = make([]*rtlsv1.Point, len(ring))
	for i, pt := range ring {
		p.Polygon[i] = &rtlsv1.Point{X: pt[0], Y: pt[1]}
	}
	return p
}

// ZoneFromProto converts a protobuf zone to a domain zone with one ring,
// as given (open or closed).
func ZoneFromProto(p *rtlsv1.Zone) geofence.Zone {
	z := geofence.Zone{ID: p.GetId(), Name: p.GetName(), Level: p.GetLevelId(), Category: p.GetCategory()}
	if pts := p.GetPolygon(); len(pts) > 0 {
		ring := make(orb.Ring, len(pts))
		for i, pt := range pts {
			ring[i] = orb.Point{pt.GetX(), pt.GetY()}
		}
		z.Polygon = orb.Polygon{ring}
	}
	return z
}

// validationStatus turns a ValidationError into a status naming its field
// under subject ("rule.group.zone_ids[1]: unknown zone ..."). The code is
// that of errorTable, except that a field naming an unknown zone is a bad
// argument (INVALID_ARGUMENT), not a missing resource.
func validationStatus(ve *geofence.ValidationError, subject string) error {
	code := codes.InvalidArgument
	for _, m := range errorTable {
		if errors.Is(ve, m.err) {
			if m.code != codes.NotFound {
				code = m.code
			}
			break
		}
	}
	return status.Error(code, joinField(subject, protoField(ve.Field))+": "+ve.Msg)
}

// protoField returns the protocol name of a field of a ValidationError:
// a rule's debounce travels in its duration field.
func protoField(field string) string {
	if field == "debounce" {
		return "duration"
	}
	return field
}

// joinField names field inside subject; either may be empty.
func joinField(subject, field string) string {
	switch {
	case subject == "":
		return field
	case field == "":
		return subject
	}
	return subject + "." + field
}

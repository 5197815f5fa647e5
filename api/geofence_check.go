package api

import (
	"fmt"
	"math"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// checkRule checks what geofence.Validate cannot see in the protocol form
// of a rule: enum values and durations.
func checkRule(p *rtlsv1.Rule) error {
	switch k := p.GetEventType(); {
	case k == rtlsv1.Rule_KIND_UNSPECIFIED:
		return invalid("rule.event_type", "required")
	case !knownRuleKind(k):
		return invalid("rule.event_type", fmt.Sprintf("unknown value %d", int32(k)))
	}
	if c := p.GetTagClass(); c != rtlsv1.TagClass_TAG_CLASS_UNSPECIFIED && !knownTagClass(c) {
		return invalid("rule.tag_class", fmt.Sprintf("unknown value %d", int32(c)))
	}
	return checkDuration("rule.duration", p.GetDuration())
}

// maxDurationSeconds is the longest duration a time.Duration holds, in
// whole seconds (about 292 years).
const maxDurationSeconds = math.MaxInt64 / int64(time.Second)

// checkDuration checks an optional duration field: valid, not negative,
// within the range of time.Duration and whole milliseconds (the unit of
// the engine's clock).
func checkDuration(field string, d *durationpb.Duration) error {
	switch {
	case d == nil:
		return nil
	case d.CheckValid() != nil:
		return invalid(field, "not a valid duration")
	case d.GetSeconds() < 0 || d.GetNanos() < 0:
		return invalid(field, "must not be negative")
	case d.GetSeconds() >= maxDurationSeconds:
		return invalid(field, "out of range (at most 292 years)")
	case d.GetNanos()%int32(time.Millisecond) != 0:
		return invalid(field, "must be a whole number of milliseconds")
	}
	return nil
}

package api

import (
	"fmt"
	"strconv"
	"strings"

	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// maxPageSize is the largest page_size a request may ask for.
const maxPageSize = 1000

// checkPageSize validates a page_size field.
func checkPageSize(n int32) error {
	if n < 0 || n > maxPageSize {
		return invalid("page_size", fmt.Sprintf("must be between 0 and %d", maxPageSize))
	}
	return nil
}

// checkPlace validates level_id and room_id against the plan, when there is
// one; empty ids mean "any" and are always valid.
func checkPlace(plan PlanLookup, level, room string) error {
	if plan == nil {
		return nil
	}
	if level != "" && !plan.HasLevel(level) {
		return invalid("level_id", "unknown level")
	}
	if room != "" && !plan.HasRoom(room) {
		return invalid("room_id", "unknown room")
	}
	return nil
}

// checkAfterID validates a WatchEvents after_id: empty, or a stream id of
// the form "<ms>" or "<ms>-<seq>" in decimal ("0" included).
func checkAfterID(id string) error {
	if id == "" {
		return nil
	}
	if _, ok := parseEventID(id); !ok {
		return invalid("after_id", `must be empty, "0" or an event id like "1700000000000-0"`)
	}
	return nil
}

// eventID is a parsed stream id. Ids order by ms, then seq.
type eventID struct{ ms, seq uint64 }

// parseEventID parses "<ms>" or "<ms>-<seq>".
func parseEventID(s string) (eventID, bool) {
	msPart, seqPart, hasSeq := strings.Cut(s, "-")
	ms, err := parseDecimal(msPart)
	if err != nil {
		return eventID{}, false
	}
	var seq uint64
	if hasSeq {
		if seq, err = parseDecimal(seqPart); err != nil {
			return eventID{}, false
		}
	}
	return eventID{ms, seq}, true
}

// parseDecimal parses an unsigned decimal made only of digits.
func parseDecimal(s string) (uint64, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseUint(s, 10, 64)
}

// after reports whether id a comes after id b.
func (a eventID) after(b eventID) bool {
	return a.ms > b.ms || (a.ms == b.ms && a.seq > b.seq)
}

// checkFilter validates an event filter; groups tells whether this server
// can resolve group_ids.
func checkFilter(f *rtlsv1.EventFilter, groups GroupResolver) error {
	for _, t := range f.GetTypes() {
		if !knownEventType(t) {
			return invalid("filter.types", fmt.Sprintf("unknown event type %d", int32(t)))
		}
	}
	for _, c := range f.GetTagClasses() {
		if !knownTagClass(c) {
			return invalid("filter.tag_classes", fmt.Sprintf("unknown tag class %d", int32(c)))
		}
	}
	if len(f.GetGroupIds()) > 0 && groups == nil {
		return invalid("filter.group_ids", "this server has no zone groups")
	}
	if groups == nil {
		return nil
	}
	for i, z := range f.GetZoneIds() {
		if !groups.KnownZone(z) {
			return invalid(fmt.Sprintf("filter.zone_ids[%d]", i), "unknown zone or room")
		}
	}
	for i, g := range f.GetGroupIds() {
		if !groups.KnownGroup(g) {
			return invalid(fmt.Sprintf("filter.group_ids[%d]", i), "unknown group (want category:<category of a zone> or rule:<rule id>)")
		}
	}
	return nil
}

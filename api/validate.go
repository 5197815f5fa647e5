package api

import (
	"context"
	"fmt"
	"log/slog"

	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store/cursor"
)

// checkPageSize validates a page_size field.
func checkPageSize(n int32) error {
	if n < 0 || n > cursor.MaxPageSize {
		return invalid("page_size", fmt.Sprintf("must be between 0 and %d", cursor.MaxPageSize))
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
	if _, err := cursor.ParseID(id); err != nil {
		return invalid("after_id", `must be empty, "0" or an event id like "1700000000000-0"`)
	}
	return nil
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
	return nil
}

// checkFilterIDs rejects a filter naming a zone or group that does not
// exist, naming the field: an unknown id is a caller's mistake, not an
// empty selection. Without a resolver (no geofence) nothing is checked.
// An error of the resolver is converted by toStatus.
func checkFilterIDs(ctx context.Context, f *rtlsv1.EventFilter, groups GroupResolver, log *slog.Logger) error {
	if groups == nil {
		return nil
	}
	for i, z := range f.GetZoneIds() {
		ok, err := groups.KnownZone(ctx, z)
		if err != nil {
			return toStatus(log, err, "filter.zone_ids")
		}
		if !ok {
			return invalid(fmt.Sprintf("filter.zone_ids[%d]", i), "unknown zone or room")
		}
	}
	for i, g := range f.GetGroupIds() {
		ok, err := groups.KnownGroup(ctx, g)
		if err != nil {
			return toStatus(log, err, "filter.group_ids")
		}
		if !ok {
			return invalid(fmt.Sprintf("filter.group_ids[%d]", i), "unknown group (want category:<category of a zone> or rule:<rule id>)")
		}
	}
	return nil
}

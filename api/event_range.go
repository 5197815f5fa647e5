package api

import (
	"context"
	"fmt"
	"math"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hospitalrtls/rtls/store/cursor"
)

// checkRange checks a WatchEvents after_id (already well-formed) against
// the retained stream. An id after the newest event and after the server
// clock cannot have been issued: INVALID_ARGUMENT, rather than a watch that
// stays silent until the clock catches up. An id before the oldest retained
// event means retention dropped events the client has not seen:
// OUT_OF_RANGE naming the oldest retained id, rather than silently starting
// there. Any other id must name a retained event, as retention only drops
// the oldest: one that does not was issued before the store lost events (a
// wiped Redis, a failover to a replica that lagged), and the client is
// told with OUT_OF_RANGE rather than resuming as if nothing was lost. "0"
// (from the oldest) is always in range.
func (s *EventServer) checkRange(ctx context.Context, afterID string) error {
	after, err := cursor.ParseID(afterID)
	if err != nil || after == (cursor.ID{}) {
		return nil // checkAfterID answered malformed ids
	}
	last, err := s.storedID(ctx, s.events.LastEventID)
	if err != nil {
		return err
	}
	if after.Compare(last) > 0 && after.MS > uint64(s.now().UnixMilli()) {
		return invalid("after_id", "after the newest event and in the future; resume from an id the server sent")
	}
	first, err := s.storedID(ctx, s.events.FirstEventID)
	if err != nil {
		return err
	}
	if first != (cursor.ID{}) && after.Compare(first) < 0 {
		return status.Error(codes.OutOfRange, fmt.Sprintf(
			"after_id: before the oldest retained event %s: events in between are gone (dropped by retention, or lost by the store); resume from %q to read every retained event",
			first, "0"))
	}
	evs, err := s.events.ReadEvents(ctx, justBefore(after).String(), 1, 0)
	if err != nil {
		return toStatus(s.log, err, "after_id")
	}
	if len(evs) == 0 || !sameID(evs[0].ID, after) {
		return status.Error(codes.OutOfRange, fmt.Sprintf(
			"after_id: no retained event has id %s: the store lost events since it was sent (Redis wiped or failed over to a replica that lagged); resume from %q to read every retained event",
			after, "0"))
	}
	return nil
}

// sameID reports whether the stored id is id.
func sameID(stored string, id cursor.ID) bool {
	parsed, err := cursor.ParseID(stored)
	return err == nil && parsed == id
}

// justBefore returns the greatest id below id (id is not the zero ID).
func justBefore(id cursor.ID) cursor.ID {
	if id.Seq > 0 {
		return cursor.ID{MS: id.MS, Seq: id.Seq - 1}
	}
	return cursor.ID{MS: id.MS - 1, Seq: math.MaxUint64}
}

// storedID reads an event id from the store with get and parses it.
func (s *EventServer) storedID(ctx context.Context, get func(context.Context) (string, error)) (cursor.ID, error) {
	id, err := get(ctx)
	if err != nil {
		return cursor.ID{}, toStatus(s.log, err, "after_id")
	}
	parsed, err := cursor.ParseID(id)
	if err != nil {
		return cursor.ID{}, toStatus(s.log, fmt.Errorf("api: the store returned event id %q: %w", id, err), "after_id")
	}
	return parsed, nil
}

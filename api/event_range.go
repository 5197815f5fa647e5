package api

import (
	"context"
	"fmt"

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
// there. "0" (from the oldest) is always in range.
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
	if err != nil || first == (cursor.ID{}) {
		return err
	}
	if after.Compare(first) < 0 {
		return status.Error(codes.OutOfRange, fmt.Sprintf(
			"after_id: before the oldest retained event %s: events in between were dropped by retention; resume from %q to read every retained event",
			first, "0"))
	}
	return nil
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

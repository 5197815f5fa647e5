package memstore

import (
	"context"
	"slices"
	"time"

	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/cursor"
)

// entry is one stream entry: the event with its id, parsed for ordering.
type entry struct {
	id cursor.ID
	ev geofence.Event // ev.ID is id.String()
}

// appendEvents gives evs ids, appends them, applies retention and wakes
// blocked readers. It returns the events with their ids. s.mu must be held
// for writing.
func (s *Store) appendEvents(evs []geofence.Event) []geofence.Event {
	if len(evs) == 0 {
		return nil
	}
	out := make([]geofence.Event, len(evs))
	now := uint64(max(s.opts.Now().UnixMilli(), 0))
	for i, ev := range evs {
		s.last = s.last.Next(now)
		ev.ID = s.last.String()
		s.events = append(s.events, entry{id: s.last, ev: ev})
		out[i] = ev
	}
	s.trim()
	close(s.appended)
	s.appended = make(chan struct{})
	return out
}

// trim drops the oldest events beyond EventMaxLen and those that arrived
// more than EventMaxAge before the newest.
func (s *Store) trim() {
	drop := 0
	if n := int64(len(s.events)); s.opts.EventMaxLen > 0 && n > s.opts.EventMaxLen {
		drop = int(n - s.opts.EventMaxLen)
	}
	if age := s.opts.EventMaxAge.Milliseconds(); age > 0 && s.last.MS > uint64(age) {
		minID := cursor.ID{MS: s.last.MS - uint64(age)}
		i, _ := slices.BinarySearchFunc(s.events, minID, entryVsID)
		drop = max(drop, i)
	}
	if drop > 0 {
		clear(s.events[:drop]) // let the dropped events be collected
		s.events = s.events[drop:]
	}
}

func entryVsID(e entry, id cursor.ID) int { return e.id.Compare(id) }

// ReadEvents returns up to count events after afterID, waiting up to block
// for one to arrive.
func (s *Store) ReadEvents(ctx context.Context, afterID string, count int, block time.Duration) ([]geofence.Event, error) {
	after, err := cursor.ParseID(afterID)
	if err != nil {
		return nil, err
	}
	n := cursor.PageSize(count)
	return cursor.Wait(ctx, block, func(bool) ([]geofence.Event, <-chan struct{}, error) {
		return s.readAfter(after, n)
	})
}

// readAfter returns up to n events after id and the channel that is closed
// when more are appended.
func (s *Store) readAfter(id cursor.ID, n int) ([]geofence.Event, <-chan struct{}, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, nil, ErrClosed
	}
	i, found := slices.BinarySearchFunc(s.events, id, entryVsID)
	if found {
		i++
	}
	var evs []geofence.Event
	for _, e := range s.events[i:min(len(s.events), i+n)] {
		evs = append(evs, e.ev)
	}
	return evs, s.appended, nil
}

// LastEventID returns the id of the newest retained event, "0" when none.
func (s *Store) LastEventID(context.Context) (string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return "", ErrClosed
	}
	if len(s.events) == 0 {
		return "0", nil
	}
	return s.events[len(s.events)-1].ev.ID, nil
}

// FirstEventID returns the id of the oldest retained event, "0" when none.
func (s *Store) FirstEventID(context.Context) (string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return "", ErrClosed
	}
	if len(s.events) == 0 {
		return "0", nil
	}
	return s.events[0].ev.ID, nil
}

// ListEvents pages through retained events whose event time is in the
// query's range, in stream order.
func (s *Store) ListEvents(_ context.Context, q store.EventQuery) (store.EventPage, error) {
	w := cursor.NewWindow(q.FromTS, q.ToTS, s.opts.EventTimeSlack)
	start, exclusive := w.First, false
	if q.PageToken != "" {
		after, err := cursor.ParseEventToken(q.PageToken)
		if err != nil {
			return store.EventPage{}, err
		}
		if after.Compare(start) >= 0 {
			start, exclusive = after, true
		}
	}
	size := cursor.PageSize(q.PageSize)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return store.EventPage{}, ErrClosed
	}
	i, found := slices.BinarySearchFunc(s.events, start, entryVsID)
	if found && exclusive {
		i++
	}
	var page store.EventPage
	var lastID cursor.ID // of the last event in the page
	for _, e := range s.events[i:] {
		if e.id.Compare(w.Last) > 0 {
			break
		}
		if !w.Holds(e.ev.TS) {
			continue
		}
		if len(page.Events) == size { // one more match: another page follows
			page.NextPageToken = cursor.EventToken(lastID)
			break
		}
		page.Events = append(page.Events, e.ev)
		lastID = e.id
	}
	return page, nil
}

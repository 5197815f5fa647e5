package memstore

import (
	"context"

	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/cursor"
)

// statusLog is the status history of one tag: the newest
// store.StatusHistoryLen changes, oldest first, numbered from 1 up.
type statusLog struct {
	next    uint64 // number of the last change written
	changes []geofence.StatusChange
}

// appendStatus appends the changes of an update to their tags' histories.
func (d *durable) appendStatus(cs []geofence.StatusChange) {
	for _, c := range cs {
		l := d.status[c.Tag]
		if l == nil {
			l = &statusLog{}
			d.status[c.Tag] = l
		}
		l.next++
		if len(l.changes) == store.StatusHistoryLen {
			copy(l.changes, l.changes[1:])
			l.changes = l.changes[:len(l.changes)-1]
		}
		l.changes = append(l.changes, c)
	}
}

// ListStatusHistory pages through the status changes of one tag, newest
// first.
func (s *Store) ListStatusHistory(_ context.Context, q store.StatusQuery) (store.StatusPage, error) {
	var before uint64
	if q.PageToken != "" {
		var err error
		if before, err = cursor.ParseStatusToken(q.Tag, q.PageToken); err != nil {
			return store.StatusPage{}, err
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return store.StatusPage{}, ErrClosed
	}
	l := s.durable.status[q.Tag]
	if l == nil {
		return store.StatusPage{}, nil
	}
	// change i (0-based, oldest first) has number first+i
	first := l.next - uint64(len(l.changes)) + 1
	end := len(l.changes) // exclusive index of the newest change to return
	if before != 0 {
		end = int(min(before, l.next+1) - min(before, first)) // changes numbered below before
	}
	size := cursor.PageSize(q.PageSize)
	var page store.StatusPage
	for i := end - 1; i >= 0 && len(page.Changes) < size; i-- {
		page.Changes = append(page.Changes, l.changes[i])
	}
	if n := end - len(page.Changes); n > 0 && len(page.Changes) > 0 {
		page.NextPageToken = cursor.StatusToken(q.Tag, first+uint64(n))
	}
	return page, nil
}

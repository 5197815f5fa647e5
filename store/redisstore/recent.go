package redisstore

import (
	"slices"
	"sync"
	"time"

	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store/cursor"
)

// recent holds the events of this store's last write that had any, so
// that event readers in this process get them as soon as the write
// returns. Read from the stream instead, they would wait behind whatever
// script Redis runs next (one runs alone): the writer follows a tick's
// events with the tick's other positions, a write many times longer.
//
// base is the stream's newest entry before the write (the script reads it
// before appending, and nothing runs between), so every stream entry after
// an id in [base, last) up to last is in it. Entries after last may exist
// (a later write, another writer's): a reader at last reads the stream, as
// does one before base.
type recent struct {
	mu   sync.Mutex
	base cursor.ID
	ids  []cursor.ID
	evs  []geofence.Event
}

// set makes evs (ids set), written after the stream entry prev ("0-0" when
// the stream was empty), the run; a write whose own events the stream's
// retention may have trimmed in the same script (more than maxLen of them,
// or spanning maxAge; 0: no limit) is not kept.
func (r *recent) set(prev string, evs []geofence.Event, maxLen int64, maxAge time.Duration) {
	p, err := cursor.ParseID(prev)
	ids := make([]cursor.ID, len(evs))
	for i := 0; err == nil && i < len(evs); i++ {
		ids[i], err = cursor.ParseID(evs[i].ID)
	}
	switch {
	case err != nil || len(evs) == 0,
		maxLen > 0 && int64(len(evs)) > maxLen,
		maxAge > 0 && time.Duration(ids[len(ids)-1].MS-ids[0].MS)*time.Millisecond >= maxAge:
		r.reset()
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.base, r.ids, r.evs = p, ids, slices.Clone(evs)
}

// reset forgets the run: the stream may no longer hold it as it is (a
// write that failed or was refused, a rollback).
func (r *recent) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids, r.evs = nil, nil
}

// after returns up to n events after id from the run, and whether the run
// answers for id: it does when base <= id < the run's last.
func (r *recent) after(id cursor.ID, n int) ([]geofence.Event, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := len(r.ids)
	if k == 0 || id.Compare(r.base) < 0 || id.Compare(r.ids[k-1]) >= 0 {
		return nil, false
	}
	i, found := slices.BinarySearchFunc(r.ids, id, cursor.ID.Compare)
	if found {
		i++
	}
	return slices.Clone(r.evs[i:min(k, i+n)]), true
}

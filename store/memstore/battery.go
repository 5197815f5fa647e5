package memstore

import (
	"context"
	"slices"
	"strings"

	"github.com/hospitalrtls/rtls/location/alert"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/cursor"
)

// applyBatteries stores bs in order, skipping any older than the stored
// level of its tag. s.mu must be held for writing.
func (s *Store) applyBatteries(bs []alert.Battery) {
	for _, b := range bs {
		if old, ok := s.battery[b.Tag]; ok && b.TS < old.TS {
			continue
		}
		s.battery[b.Tag] = b
	}
}

// ListBatteries pages through the last battery levels at or below
// q.MaxPercent, lowest first, then by tag id. It sorts the levels it
// selects on every call: the list is short (low batteries) and rare.
func (s *Store) ListBatteries(_ context.Context, q store.BatteryQuery) (store.BatteryPage, error) {
	after := ""
	if q.PageToken != "" {
		var err error
		if after, err = cursor.ParseToken(cursor.Batteries, q.PageToken); err != nil {
			return store.BatteryPage{}, err
		}
		if _, _, err := store.ParseBatteryKey(after); err != nil {
			return store.BatteryPage{}, err
		}
	}
	size := cursor.PageSize(q.PageSize)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return store.BatteryPage{}, ErrClosed
	}
	type keyed struct {
		key string
		b   alert.Battery
	}
	var sel []keyed
	for _, b := range s.battery {
		if b.Percent > q.MaxPercent {
			continue
		}
		if k := store.BatteryKey(b.Percent, b.Tag); k > after {
			sel = append(sel, keyed{k, b})
		}
	}
	slices.SortFunc(sel, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	var page store.BatteryPage
	if len(sel) > size {
		sel = sel[:size]
		page.NextPageToken = cursor.Token(cursor.Batteries, sel[size-1].key)
	}
	for _, k := range sel {
		page.Batteries = append(page.Batteries, k.b)
	}
	return page, nil
}

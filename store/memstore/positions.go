package memstore

import (
	"context"
	"slices"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/cursor"
)

// applyPositions stores ps in order, skipping any older than the stored
// position of its tag, keeps the level and room indexes current and returns
// the positions it stored. s.mu must be held for writing.
func (s *Store) applyPositions(ps []location.Position) []location.Position {
	accepted := make([]location.Position, 0, len(ps))
	for _, p := range ps {
		old, known := s.pos[p.Tag]
		if known && p.TS < old.TS {
			continue
		}
		if !known {
			s.all = s.all.add(p.Tag)
		}
		if !known || old.Level != p.Level {
			move(s.levels, old.Level, p.Level, p.Tag)
		}
		if !known || old.Room != p.Room {
			move(s.rooms, old.Room, p.Room, p.Tag)
		}
		s.pos[p.Tag] = p
		accepted = append(accepted, p)
	}
	return accepted
}

// move takes tag out of the index of from and into the index of to; the
// empty id has no index. An index left empty is deleted.
func move(m map[string]index, from, to, tag string) {
	if from != "" {
		if x := m[from].remove(tag); len(x) == 0 {
			delete(m, from)
		} else {
			m[from] = x
		}
	}
	if to != "" {
		m[to] = m[to].add(tag)
	}
}

// GetPosition returns the current position of tag, or store.ErrNotFound.
func (s *Store) GetPosition(_ context.Context, tag string) (location.Position, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return location.Position{}, ErrClosed
	}
	p, ok := s.pos[tag]
	if !ok {
		return location.Position{}, store.ErrNotFound
	}
	return p, nil
}

// ListPositions pages through current positions in tag id order, filtered
// by level and room.
func (s *Store) ListPositions(_ context.Context, q store.Query) (store.Page, error) {
	after := ""
	if q.PageToken != "" {
		var err error
		if after, err = cursor.ParseToken(cursor.Positions, q.PageToken); err != nil {
			return store.Page{}, err
		}
	}
	size := cursor.PageSize(q.PageSize)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return store.Page{}, ErrClosed
	}
	x := s.all
	switch {
	case q.Room != "":
		x = s.rooms[q.Room]
	case q.Level != "":
		x = s.levels[q.Level]
	}
	// One more than a page tells whether another page follows.
	out := make([]location.Position, 0, min(size+1, len(x)))
	for len(out) <= size {
		want := size + 1 - len(out)
		tags := x.after(after, want)
		for _, tag := range tags {
			if p := s.pos[tag]; q.Level == "" || p.Level == q.Level {
				out = append(out, p)
			}
		}
		if len(tags) < want {
			break
		}
		after = tags[len(tags)-1]
	}
	var page store.Page
	if len(out) > size {
		out = out[:size]
		page.NextPageToken = cursor.Token(cursor.Positions, out[size-1].Tag)
	}
	page.Positions = out
	return page, nil
}

// GetPositions returns the current positions of those of tags that have
// one, in the order of tags.
func (s *Store) GetPositions(_ context.Context, tags []string) ([]location.Position, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrClosed
	}
	out := make([]location.Position, 0, len(tags))
	for _, tag := range tags {
		if p, ok := s.pos[tag]; ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// GetRooms returns the level and room of the current positions of those of
// tags that have one, in the order of tags.
func (s *Store) GetRooms(_ context.Context, tags []string) ([]store.TagRoom, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrClosed
	}
	out := make([]store.TagRoom, 0, len(tags))
	for _, tag := range tags {
		if p, ok := s.pos[tag]; ok {
			out = append(out, store.TagRoom{Tag: tag, Level: p.Level, Room: p.Room})
		}
	}
	return out, nil
}

// ExpirePositions deletes every tag whose position is older than before,
// rebuilding each index it touches once (not once per tag).
func (s *Store) ExpirePositions(_ context.Context, before int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	gone := map[string]bool{}
	levels, rooms := map[string]bool{}, map[string]bool{}
	for tag, p := range s.pos {
		if p.TS < before {
			gone[tag] = true
			levels[p.Level], rooms[p.Room] = true, true
			delete(s.pos, tag)
		}
	}
	if len(gone) == 0 {
		return 0, nil
	}
	drop := func(tag string) bool { return gone[tag] }
	s.all = slices.DeleteFunc(s.all, drop)
	for _, m := range []struct {
		idx  map[string]index
		keys map[string]bool
	}{{s.levels, levels}, {s.rooms, rooms}} {
		for k := range m.keys {
			if x := slices.DeleteFunc(m.idx[k], drop); len(x) == 0 {
				delete(m.idx, k)
			} else {
				m.idx[k] = x
			}
		}
	}
	return len(gone), nil
}

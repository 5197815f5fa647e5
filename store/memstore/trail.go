package memstore

import (
	"cmp"
	"context"
	"slices"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/cursor"
)

// trail is one tag's history; guarded by Store.mu.
type trail struct {
	visits []geofence.Visit    // by Enter; disjoint, so also by Exit
	points []location.Position // by TS
	newest int64               // newest time written (point TS, visit Enter or Exit)
}

// sweepEvery is how much event time passes between two sweeps for idle
// tags' trails.
const sweepEvery = 60_000 // ms

// applyTrail writes visits and points and trims by age: the trails written
// to lose their visits that ended and points taken before the cutoff (the
// newest time of the update minus TrailMaxAge); about once a minute of event
// time, the trails of tags with nothing written since the cutoff are
// dropped whole. Called with s.mu held.
func (s *Store) applyTrail(vs []geofence.Visit, ps []location.Position) {
	if len(vs) == 0 && len(ps) == 0 {
		return
	}
	now := int64(0)
	touched := make(map[string]*trail)
	for _, v := range vs {
		tr := s.trailOf(v.Tag)
		putVisit(tr, geofence.Visit{Tag: v.Tag, Room: v.Room, Level: v.Level, Enter: v.Enter, Exit: v.Exit})
		tr.newest = max(tr.newest, v.Enter, v.Exit)
		touched[v.Tag], now = tr, max(now, v.Enter, v.Exit)
	}
	for _, p := range ps {
		tr := s.trailOf(p.Tag)
		putPoint(tr, p)
		tr.newest = max(tr.newest, p.TS)
		touched[p.Tag], now = tr, max(now, p.TS)
	}
	if s.opts.TrailMaxAge < 0 {
		return
	}
	cutoff := now - s.opts.TrailMaxAge.Milliseconds()
	for _, tr := range touched {
		trimTrail(tr, cutoff)
	}
	if now-s.swept >= sweepEvery {
		s.swept = now
		for tag, tr := range s.trails {
			if tr.newest < cutoff {
				delete(s.trails, tag)
			}
		}
	}
}

// trailOf returns the trail of tag, creating it.
func (s *Store) trailOf(tag string) *trail {
	tr := s.trails[tag]
	if tr == nil {
		tr = &trail{}
		s.trails[tag] = tr
	}
	return tr
}

// putVisit inserts v, replacing the visit with its Enter.
func putVisit(tr *trail, v geofence.Visit) {
	i, found := slices.BinarySearchFunc(tr.visits, v.Enter, func(a geofence.Visit, enter int64) int {
		return cmp.Compare(a.Enter, enter)
	})
	if found {
		tr.visits[i] = v
		return
	}
	tr.visits = slices.Insert(tr.visits, i, v)
}

// putPoint appends p, dropping it when it is not after the newest point
// (the same rule as the Redis store's per-tag stream).
func putPoint(tr *trail, p location.Position) {
	if n := len(tr.points); n > 0 && p.TS <= tr.points[n-1].TS {
		return
	}
	tr.points = append(tr.points, location.Position{TS: p.TS, Tag: p.Tag, Level: p.Level, X: p.X, Y: p.Y, Room: p.Room})
}

// trimTrail drops the points before cutoff and the visits that ended
// before it (never an open one).
func trimTrail(tr *trail, cutoff int64) {
	i, _ := slices.BinarySearchFunc(tr.points, cutoff, func(p location.Position, ts int64) int { return cmp.Compare(p.TS, ts) })
	tr.points = slices.Delete(tr.points, 0, i)
	j := 0
	for j < len(tr.visits) && !tr.visits[j].Open() && tr.visits[j].Exit < cutoff {
		j++
	}
	tr.visits = slices.Delete(tr.visits, 0, j)
}

// GetTrail returns one page of a tag's trail (see store.Store).
func (s *Store) GetTrail(_ context.Context, q store.TrailQuery) (store.TrailPage, error) {
	if q.FromTS >= q.ToTS {
		return store.TrailPage{}, store.ErrBadRange
	}
	after, first := int64(0), q.PageToken == ""
	if !first {
		var err error
		if after, err = cursor.ParseTrailToken(q.Tag, q.PageToken); err != nil {
			return store.TrailPage{}, err
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return store.TrailPage{}, ErrClosed
	}
	tr := s.trails[q.Tag]
	if tr == nil {
		return store.TrailPage{}, store.ErrNotFound
	}
	return trailPage(tr, q, first, after)
}

// trailPage cuts one page out of a trail.
func trailPage(tr *trail, q store.TrailQuery, first bool, after int64) (store.TrailPage, error) {
	n := cursor.PageSize(q.PageSize)
	var vs []geofence.Visit
	for _, v := range tr.visits {
		switch {
		case v.Enter >= q.ToTS:
		case !first && v.Enter <= after:
		case first && v.Enter < q.FromTS && !v.Open() && v.Exit <= q.FromTS:
		default:
			vs = append(vs, v)
		}
	}
	lo, hi := q.FromTS, q.ToTS
	var page store.TrailPage
	if len(vs) > n {
		hi = vs[n].Enter
		vs = vs[:n]
		page.NextPageToken = cursor.TrailToken(q.Tag, vs[n-1].Enter)
	}
	if !first && len(vs) > 0 {
		lo = vs[0].Enter
	}
	page.Visits = vs
	for _, p := range tr.points {
		if p.TS >= lo && p.TS < hi {
			page.Points = append(page.Points, p)
		}
	}
	if first && len(page.Visits) == 0 && len(page.Points) == 0 {
		return store.TrailPage{}, store.ErrNotFound
	}
	return page, nil
}

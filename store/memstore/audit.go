package memstore

import (
	"context"
	"slices"
	"sync"

	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/cursor"
)

// auditLog is the embedded audit log: records in id order.
type auditLog struct {
	mu   sync.Mutex // guards the fields below
	recs []store.AuditRecord
	ids  []cursor.ID // the ids of recs
	last cursor.ID   // the id of the newest record ever appended
}

// isClosed reports whether Close was called.
func (s *Store) isClosed() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.closed
}

// AppendAudit implements store.AuditLog.
func (s *Store) AppendAudit(_ context.Context, rec store.AuditRecord) (string, error) {
	if s.isClosed() {
		return "", ErrClosed
	}
	a := &s.audit
	a.mu.Lock()
	defer a.mu.Unlock()
	a.last = a.last.Next(uint64(max(rec.TS, 0)))
	rec.ID = a.last.String()
	rec.Tags = slices.Clone(rec.Tags)
	a.recs = append(a.recs, rec)
	a.ids = append(a.ids, a.last)
	return rec.ID, nil
}

// ListAudit implements store.AuditLog.
func (s *Store) ListAudit(_ context.Context, q store.AuditQuery) (store.AuditPage, error) {
	if s.isClosed() {
		return store.AuditPage{}, ErrClosed
	}
	var after cursor.ID
	if q.PageToken != "" {
		last, err := cursor.ParseToken(cursor.Audit, q.PageToken)
		if err != nil {
			return store.AuditPage{}, err
		}
		if after, err = cursor.ParseID(last); err != nil {
			return store.AuditPage{}, store.ErrBadToken
		}
	}
	size := cursor.PageSize(q.PageSize)
	a := &s.audit
	a.mu.Lock()
	defer a.mu.Unlock()
	i, _ := slices.BinarySearchFunc(a.ids, after, func(x, t cursor.ID) int { return x.Compare(t) })
	var page store.AuditPage
	for ; i < len(a.recs); i++ {
		if a.ids[i].Compare(after) <= 0 {
			continue
		}
		if q.Matches(a.recs[i]) {
			if len(page.Records) == size {
				page.NextPageToken = cursor.Token(cursor.Audit, a.recs[i-1].ID)
				break
			}
			r := a.recs[i]
			r.Tags = slices.Clone(r.Tags)
			page.Records = append(page.Records, r)
		}
	}
	return page, nil
}

// TrimAudit implements store.AuditLog.
func (s *Store) TrimAudit(_ context.Context, beforeTS int64) error {
	if s.isClosed() {
		return ErrClosed
	}
	a := &s.audit
	a.mu.Lock()
	defer a.mu.Unlock()
	n, _ := slices.BinarySearchFunc(a.ids, cursor.ID{MS: uint64(max(beforeTS, 0))}, func(x, t cursor.ID) int { return x.Compare(t) })
	a.recs = slices.Delete(a.recs, 0, n)
	a.ids = slices.Delete(a.ids, 0, n)
	return nil
}

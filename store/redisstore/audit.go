package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/cursor"
)

// The audit log is the stream rtls:{site}:audit, one entry per record,
// its id "<ts>-<seq>" from the record's time (Redis's own clock when the
// record is older than the newest entry). Entries are never changed;
// TrimAudit drops old ones with XTRIM MINID.

// auditReads bounds the stream reads of one ListAudit.
const auditReads = 10

// auditKey is the key of the site's audit stream.
func (s *Store) auditKey() string { return s.keys.audit }

// AppendAudit implements store.AuditLog.
func (s *Store) AppendAudit(ctx context.Context, rec store.AuditRecord) (string, error) {
	tags, err := json.Marshal(rec.Tags)
	if err != nil {
		return "", err
	}
	values := []any{"ts", rec.TS, "sub", rec.Subject, "role", rec.Role, "method", rec.Method, "tags", tags, "outcome", rec.Outcome}
	id, err := s.rdb.XAdd(ctx, &redis.XAddArgs{Stream: s.auditKey(), ID: strconv.FormatInt(max(rec.TS, 1), 10) + "-*", Values: values}).Result()
	if err != nil && strings.Contains(err.Error(), "equal or smaller") {
		id, err = s.rdb.XAdd(ctx, &redis.XAddArgs{Stream: s.auditKey(), Values: values}).Result()
	}
	if err != nil {
		return "", fmt.Errorf("redisstore: audit: %w", err)
	}
	return id, nil
}

// ListAudit implements store.AuditLog.
func (s *Store) ListAudit(ctx context.Context, q store.AuditQuery) (store.AuditPage, error) {
	start := "-"
	if q.FromTS > 0 {
		start = strconv.FormatInt(q.FromTS, 10)
	}
	if q.PageToken != "" {
		last, err := cursor.ParseToken(cursor.Audit, q.PageToken)
		if err != nil {
			return store.AuditPage{}, err
		}
		if _, err := cursor.ParseID(last); err != nil {
			return store.AuditPage{}, store.ErrBadToken
		}
		start = "(" + last
	}
	size := cursor.PageSize(q.PageSize)
	var page store.AuditPage
	for range auditReads {
		msgs, err := s.rdb.XRangeN(ctx, s.auditKey(), start, "+", int64(size+1)).Result()
		if err != nil {
			return store.AuditPage{}, fmt.Errorf("redisstore: audit: %w", err)
		}
		for _, m := range msgs {
			rec, err := decodeAudit(m)
			if err != nil {
				return store.AuditPage{}, err
			}
			if !q.Matches(rec) {
				start = "(" + m.ID
				continue
			}
			if len(page.Records) == size {
				page.NextPageToken = cursor.Token(cursor.Audit, strings.TrimPrefix(start, "("))
				return page, nil
			}
			page.Records = append(page.Records, rec)
			start = "(" + m.ID
		}
		if len(msgs) <= size {
			return page, nil
		}
	}
	// Bounded work per call: continue after what was read.
	page.NextPageToken = cursor.Token(cursor.Audit, strings.TrimPrefix(start, "("))
	return page, nil
}

// decodeAudit reads one stream entry of the audit log.
func decodeAudit(m redis.XMessage) (store.AuditRecord, error) {
	str := func(k string) string { v, _ := m.Values[k].(string); return v }
	rec := store.AuditRecord{ID: m.ID, Subject: str("sub"), Role: str("role"), Method: str("method"), Outcome: str("outcome")}
	var err error
	if rec.TS, err = strconv.ParseInt(str("ts"), 10, 64); err != nil {
		return rec, fmt.Errorf("redisstore: audit entry %s: ts: %w", m.ID, err)
	}
	if err := json.Unmarshal([]byte(str("tags")), &rec.Tags); err != nil {
		return rec, fmt.Errorf("redisstore: audit entry %s: tags: %w", m.ID, err)
	}
	return rec, nil
}

// TrimAudit implements store.AuditLog.
func (s *Store) TrimAudit(ctx context.Context, beforeTS int64) error {
	if err := s.rdb.XTrimMinID(ctx, s.auditKey(), strconv.FormatInt(max(beforeTS, 0), 10)).Err(); err != nil {
		return fmt.Errorf("redisstore: audit: %w", err)
	}
	return nil
}

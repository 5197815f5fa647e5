package store

import (
	"context"
	"slices"
)

// AuditRecord is one entry of the append-only audit log: a response that
// carried person locations, a change of the registry, rules or zones, a
// stream's person deliveries, or a failed authentication.
type AuditRecord struct {
	ID      string   // the log's id, "<ms>-<seq>" (set by AppendAudit)
	TS      int64    // when, epoch ms
	Subject string   // who ("" for a failed authentication)
	Role    string   // the subject's role
	Method  string   // the API method
	Tags    []string // the person tags concerned
	Outcome string   // ok, denied, unauthenticated, opened, delivered
}

// AuditQuery selects audit records for ListAudit.
type AuditQuery struct {
	FromTS, ToTS int64  // time range in epoch ms, inclusive; 0 means unbounded
	Subject      string // "" for any subject
	Tag          string // "" for any; else records naming this tag
	PageSize     int    // <= 0 means the store's default (100); at most 1000
	PageToken    string // "" for the first page
}

// AuditPage is one page of audit records, oldest first.
type AuditPage struct {
	Records       []AuditRecord
	NextPageToken string // "" on the last page
}

// AuditLog is the append-only audit log. memstore and redisstore
// implement it; there is no way to change or delete one record, only to
// drop every record older than the retention.
type AuditLog interface {
	// AppendAudit appends rec (rec.ID is ignored) and returns its id.
	AppendAudit(ctx context.Context, rec AuditRecord) (string, error)
	// ListAudit pages through the records q selects, oldest first. A page
	// may hold fewer records than asked for while a token follows.
	ListAudit(ctx context.Context, q AuditQuery) (AuditPage, error)
	// TrimAudit drops the records older than beforeTS (epoch ms).
	TrimAudit(ctx context.Context, beforeTS int64) error
}

// Matches reports whether q's filters (time, subject, tag) select rec.
func (q AuditQuery) Matches(rec AuditRecord) bool {
	return (q.FromTS == 0 || rec.TS >= q.FromTS) && (q.ToTS == 0 || rec.TS <= q.ToTS) &&
		(q.Subject == "" || rec.Subject == q.Subject) && (q.Tag == "" || slices.Contains(rec.Tags, q.Tag))
}

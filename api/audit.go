package api

import (
	"context"
	"log/slog"

	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
)

// AuditServer implements rtlsv1.AuditServiceServer over the store's audit
// log. The method table admits admins only.
type AuditServer struct {
	rtlsv1.UnimplementedAuditServiceServer

	log  store.AuditLog
	errs *slog.Logger
}

// NewAuditServer returns an AuditServer reading log; errs, when not nil,
// receives store errors (never tag ids).
func NewAuditServer(log store.AuditLog, errs *slog.Logger) *AuditServer {
	return &AuditServer{log: log, errs: orDiscard(errs)}
}

// ListAudit returns one page of audit records.
func (s *AuditServer) ListAudit(ctx context.Context, req *rtlsv1.ListAuditRequest) (*rtlsv1.ListAuditResponse, error) {
	if err := checkPageSize(req.GetPageSize()); err != nil {
		return nil, err
	}
	if req.From != nil && req.From.CheckValid() != nil {
		return nil, invalid("from", "invalid timestamp")
	}
	if req.To != nil && req.To.CheckValid() != nil {
		return nil, invalid("to", "invalid timestamp")
	}
	q := store.AuditQuery{FromTS: msFromProto(req.GetFrom()), ToTS: msFromProto(req.GetTo()), Subject: req.GetSubject(),
		Tag: req.GetTagId(), PageSize: int(req.GetPageSize()), PageToken: req.GetPageToken()}
	if req.From != nil && req.To != nil && q.ToTS < q.FromTS {
		return nil, invalid("to", "before from")
	}
	page, err := s.log.ListAudit(ctx, q)
	if err != nil {
		return nil, toStatus(s.errs, err, "page_token")
	}
	resp := &rtlsv1.ListAuditResponse{NextPageToken: page.NextPageToken}
	for _, r := range page.Records {
		resp.Records = append(resp.Records, &rtlsv1.AuditRecord{Id: r.ID, Time: msToProto(r.TS), Subject: r.Subject,
			Role: r.Role, Method: r.Method, TagIds: r.Tags, Outcome: r.Outcome})
	}
	return resp, nil
}

// StoreAuditor is the Auditor that appends to the store's audit log.
type StoreAuditor struct {
	Log store.AuditLog
}

// Audit implements Auditor.
func (a StoreAuditor) Audit(ctx context.Context, rec AuditRecord) error {
	_, err := a.Log.AppendAudit(ctx, store.AuditRecord{TS: rec.Time.UnixMilli(), Subject: rec.Subject, Role: rec.Role,
		Method: rec.Method, Tags: rec.Tags, Outcome: rec.Outcome})
	return err
}

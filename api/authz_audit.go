package api

import (
	"context"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Outcomes of audited calls.
const (
	OutcomeOK              = "ok"              // a response carried person tags, or a change succeeded
	OutcomeDenied          = "denied"          // PERMISSION_DENIED
	OutcomeUnauthenticated = "unauthenticated" // no or bad credential
	OutcomeOpened          = "opened"          // a stream was opened
	OutcomeDelivered       = "delivered"       // a stream's person deliveries over one interval
)

// AuditRecord is one entry of the audit log: when, who, what, which
// person tags, and how it ended. It never holds a token.
type AuditRecord struct {
	Time    time.Time
	Subject string // "" for a failed authentication
	Role    string
	Method  string
	Tags    []string // the person (staff or patient) tags concerned
	Outcome string
}

// Auditor appends records to the append-only audit log.
type Auditor interface {
	// Audit appends rec.
	Audit(ctx context.Context, rec AuditRecord) error
}

// errAuditDown is returned instead of person data that could not be
// audited: no lookup goes unrecorded.
var errAuditDown = status.Error(codes.Unavailable, "audit log unavailable; retry later")

// audit stamps and appends rec; the write outlives the call's context. A
// failure is logged (method and outcome, never tags) and returned as
// errAuditDown.
func (g *guard) audit(ctx context.Context, rec AuditRecord) error {
	if g.sec.Audit == nil {
		return nil
	}
	rec.Time = g.now()
	if err := g.sec.Audit.Audit(context.WithoutCancel(ctx), rec); err != nil {
		g.log.Error("audit: cannot append a record", "method", rec.Method, "outcome", rec.Outcome, "err", err)
		return errAuditDown
	}
	return nil
}

// now is the guard's clock.
func (g *guard) now() time.Time {
	if g.sec.Clock != nil {
		return g.sec.Clock()
	}
	return time.Now()
}

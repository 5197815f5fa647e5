package api

import (
	"context"
	"time"
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
	// Audit appends rec. A failure is logged by the auditor; it does not
	// fail the call (the API stays up when the log's store is down).
	Audit(ctx context.Context, rec AuditRecord)
}

// audit stamps and appends rec; the write outlives the call's context.
func (g *guard) audit(ctx context.Context, rec AuditRecord) {
	if g.sec.Audit == nil {
		return
	}
	rec.Time = g.now()
	g.sec.Audit.Audit(context.WithoutCancel(ctx), rec)
}

// now is the guard's clock.
func (g *guard) now() time.Time {
	if g.sec.Clock != nil {
		return g.sec.Clock()
	}
	return time.Now()
}

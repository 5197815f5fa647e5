package api

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/hospitalrtls/rtls/auth"
)

// Authorization: every call but health checks carries a bearer token
// ("authorization: Bearer …"); the method table (auth.Policy) admits roles
// per method, deny by default; per item, responses and streamed messages
// keep only the tags auth.Principal.CanSee admits (authz_filter.go). The JSON
// gateway calls this server over a real connection, so these interceptors
// are the one authorization path of both faces.

// Authenticator turns a bearer token into a principal.
// auth.Authenticator implements it.
type Authenticator interface {
	// Authenticate returns the principal of token or an error wrapping
	// auth.ErrUnauthenticated.
	Authenticate(token string) (*auth.Principal, error)
}

// TagDirectory tells the class and unit of a tag for the checks of
// requests naming one tag (GetTrail, ExplainLocation, GetTag ...), and the
// registry units of the people in responses and streams whom a
// unit-bound role may see by their own unit (events carry none; a
// location names its room's), a page or batch at a time.
type TagDirectory interface {
	// TagInfo returns the class of tag (auth.Unknown when unregistered)
	// and its unit ("" when none is known).
	TagInfo(ctx context.Context, tag string) (auth.Class, string, error)
	// TagUnits returns the registry unit of those of tags that are
	// registered with one, in one lookup.
	TagUnits(ctx context.Context, tags []string) (map[string]string, error)
}

// Security configures WithSecurity.
type Security struct {
	// Auth verifies bearer tokens. Required.
	Auth Authenticator
	// Policy admits roles per method; nil is auth.DefaultPolicy().
	Policy auth.Policy
	// Tags looks up tags named by requests; nil denies such requests to
	// every role but admin.
	Tags TagDirectory
	// Audit receives person lookups and failed authentications; nil: none.
	Audit Auditor
	// Limits bound what one subject may hold and ask.
	Limits Limits
	// Clock stamps audit records and times stream summaries; nil is
	// time.Now.
	Clock func() time.Time
}

// Status errors of authorization: fixed texts that carry no data.
var (
	errUnauthenticated = status.Error(codes.Unauthenticated, "authentication required: send authorization: Bearer <token>")
	errDenied          = status.Error(codes.PermissionDenied, "permission denied")
)

// WithSecurity turns on authentication, the method policy, per-item
// filtering, per-subject limits and auditing.
func WithSecurity(sec Security) Option { return func(c *config) { c.sec = &sec } }

// guard holds the state of the security interceptors.
type guard struct {
	sec    Security
	limits *limiter
	log    *slog.Logger
}

func newGuard(sec Security, log *slog.Logger) *guard {
	if sec.Policy == nil {
		sec.Policy = auth.DefaultPolicy()
	}
	return &guard{sec: sec, limits: newLimiter(sec.Limits), log: log}
}

// bearer returns the token of the authorization header.
func bearer(ctx context.Context) string {
	for _, v := range metadata.ValueFromIncomingContext(ctx, "authorization") {
		if t, ok := strings.CutPrefix(v, "Bearer "); ok {
			return strings.TrimSpace(t)
		}
	}
	return ""
}

// admit authenticates the caller of method and checks the policy.
func (g *guard) admit(ctx context.Context, method string) (*auth.Principal, error) {
	p, err := g.sec.Auth.Authenticate(bearer(ctx))
	if err != nil {
		_ = g.audit(ctx, AuditRecord{Method: method, Outcome: OutcomeUnauthenticated})
		return nil, errUnauthenticated
	}
	if !g.sec.Policy.Allows(method, p.Role) {
		_ = g.audit(ctx, AuditRecord{Subject: p.Subject, Role: string(p.Role), Method: method, Outcome: OutcomeDenied})
		return nil, errDenied
	}
	return p, nil
}

// unary is the security interceptor of unary calls.
func (g *guard) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if g.sec.Policy.Public(info.FullMethod) {
		return handler(ctx, req)
	}
	p, err := g.admit(ctx, info.FullMethod)
	if err != nil {
		return nil, err
	}
	if !g.limits.allow(p.Subject) {
		return nil, errRateLimited
	}
	named, err := g.checkRequest(ctx, p, req)
	if status.Code(err) == codes.Unavailable {
		return nil, err // the lookup failed: no decision to audit
	}
	if err != nil {
		_ = g.audit(ctx, AuditRecord{Subject: p.Subject, Role: string(p.Role), Method: info.FullMethod, Outcome: OutcomeDenied, Tags: nonEmpty(named)})
		return nil, err
	}
	resp, err := handler(ctx, req)
	if err != nil {
		return nil, err
	}
	persons, err := filterResponse(p, resp, g.unitsOf(ctx))
	if named != "" && !slices.Contains(persons, named) {
		persons = append(persons, named) // a trail or explanation of a person
	}
	if err != nil {
		_ = g.audit(ctx, AuditRecord{Subject: p.Subject, Role: string(p.Role), Method: info.FullMethod, Outcome: OutcomeDenied, Tags: persons})
		return nil, err
	}
	if len(persons) > 0 || auditedChange(info.FullMethod) {
		rec := AuditRecord{Subject: p.Subject, Role: string(p.Role), Method: info.FullMethod, Outcome: OutcomeOK, Tags: persons}
		if err := g.audit(ctx, rec); err != nil && len(persons) > 0 {
			return nil, err
		}
	}
	return resp, nil
}

// checkRequest applies the checks the method table cannot: requests naming
// one tag must name one the caller may see (GetTrail, ExplainLocation,
// GetTag ...), and biomed writes only asset rules and asset tags. It
// returns the named tag when it is a person's, for the audit log.
func (g *guard) checkRequest(ctx context.Context, p *auth.Principal, req any) (person string, err error) {
	written, isWrite := writtenClass(req)
	if isWrite && written != auth.Asset && p.Role != auth.Admin {
		return "", errDenied
	}
	tag, ok := namedTag(req)
	if !ok {
		return "", nil
	}
	if g.sec.Tags == nil {
		if p.Role == auth.Admin {
			return tag, nil // unknown class: audited as a possible person
		}
		return "", errDenied
	}
	class, unit, err := g.sec.Tags.TagInfo(ctx, tag)
	if err != nil {
		return "", status.Error(codes.Unavailable, "tag lookup failed")
	}
	if isWrite && class == auth.Unknown {
		return "", nil // a new tag
	}
	if p.Role != auth.Admin && !p.CanSee(class, unit) {
		return tag, errDenied
	}
	if class.IsPerson() {
		return tag, nil
	}
	return "", nil
}

// unitsOf returns a lookup of the registry units of tags, in one call to
// the directory; a tag without one, or all of them when the lookup fails,
// get "" (a person then stays hidden from unit-bound roles).
func (g *guard) unitsOf(ctx context.Context) unitLookup {
	return func(tags []string) map[string]string {
		if g.sec.Tags == nil || len(tags) == 0 {
			return nil
		}
		units, err := g.sec.Tags.TagUnits(ctx, tags)
		if err != nil {
			return nil
		}
		return units
	}
}

// nonEmpty returns the one-tag list of tag, none for "".
func nonEmpty(tag string) []string {
	if tag == "" {
		return nil
	}
	return []string{tag}
}

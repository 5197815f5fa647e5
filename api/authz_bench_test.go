package api

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/hospitalrtls/rtls/auth"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// BenchmarkGuardUnary is the security interceptor's cost per unary call,
// in process: token lookup, policy, rate limit, response filter and the
// audit record (to a memory auditor). The list response holds the six
// ward locations.
func BenchmarkGuardUnary(b *testing.B) {
	tok, line, err := auth.NewToken(auth.Principal{Subject: "nia", Role: auth.Nurse, Units: []string{"4W"}})
	if err != nil {
		b.Fatal(err)
	}
	tokens, err := auth.ParseTokens([]byte(line))
	if err != nil {
		b.Fatal(err)
	}
	g := newGuard(Security{Auth: tokenAuth{tokens}, Tags: authzWardTags{}, Audit: discardAudit{}, Limits: Limits{Rate: 1e9}}, nil)
	ctx := incomingBearer(tok)
	info := &grpc.UnaryServerInfo{FullMethod: "/rtls.v1.LocationService/ListLocations"}
	for _, tc := range []struct {
		name    string
		handler grpc.UnaryHandler
	}{
		{"method=GetLocation-asset", func(context.Context, any) (any, error) { return wardLocations[0], nil }},
		{"method=ListLocations-6", func(ctx context.Context, req any) (any, error) { return wardService{}.ListLocations(ctx, nil) }},
	} {
		b.Run(tc.name+"/bare", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tc.handler(ctx, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/guarded", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := g.unary(ctx, &rtlsv1.ListLocationsRequest{}, info, tc.handler); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// tokenAuth authenticates with a tokens file only.
type tokenAuth struct{ t *auth.Tokens }

func (a tokenAuth) Authenticate(tok string) (*auth.Principal, error) { return a.t.Verify(tok) }

// discardAudit accepts every record.
type discardAudit struct{}

func (discardAudit) Audit(context.Context, AuditRecord) error { return nil }

// incomingBearer is a server-side context carrying token.
func incomingBearer(token string) context.Context {
	return metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "Bearer "+token))
}

package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"

	"google.golang.org/grpc/credentials"

	"github.com/hospitalrtls/rtls/api"
	"github.com/hospitalrtls/rtls/auth"
	"github.com/hospitalrtls/rtls/location/geofence"
)

// APIConfig is the security of the gRPC API.
type APIConfig struct {
	// TLSCert and TLSKey are PEM files of the server certificate (chain)
	// and key; both empty: plaintext (only with --insecure or --demo).
	TLSCert, TLSKey string
	// TLSClientCA, when set, is a PEM file of CAs every client must
	// present a certificate from (mutual TLS for integrations).
	TLSClientCA string
	// Tokens is the tokens file (see auth.TokenLine).
	Tokens string
	// JWT verifies identity-provider tokens (JWKS file, issuer, audience).
	JWT auth.JWTConfig
	// Limits bound each subject's streams, call rate and slow streams.
	Limits api.Limits
}

// secure reports whether any API security material is configured.
func (c APIConfig) secure() bool {
	return c.TLSCert != "" || c.TLSKey != "" || c.Tokens != "" || c.JWT.JWKS != ""
}

// validate reports the problems of c; insecure allows no material at all.
func (c APIConfig) validate(insecure bool, bad func(flag, format string, args ...any)) {
	if (c.TLSCert == "") != (c.TLSKey == "") {
		bad("--tls-cert", "--tls-cert and --tls-key go together")
	}
	if c.TLSClientCA != "" && c.TLSCert == "" {
		bad("--tls-client-ca", "needs --tls-cert and --tls-key")
	}
	if insecure {
		return
	}
	if c.TLSCert == "" {
		bad("--tls-cert", "required (with --tls-key) unless --insecure")
	}
	if c.Tokens == "" && c.JWT.JWKS == "" {
		bad("--tokens", "--tokens or --jwt-jwks required unless --insecure")
	}
}

// certReloader serves the newest loaded certificate; Reload swaps it.
type certReloader struct {
	certFile, keyFile string
	cert              atomic.Pointer[tls.Certificate]
}

// Reload reads the certificate and key files again.
func (r *certReloader) Reload() error {
	c, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return fmt.Errorf("server: --tls-cert/--tls-key: %w", err)
	}
	r.cert.Store(&c)
	return nil
}

// apiSecurity is what listen builds from APIConfig: gRPC options and
// what SIGHUP reloads.
type apiSecurity struct {
	opts    []api.Option
	reload  []func() error
	summary string // for the start log line
}

// newAPISecurity loads the TLS material and credentials of cfg.
func newAPISecurity(cfg Config, tags api.TagDirectory, log *slog.Logger) (*apiSecurity, error) {
	c := cfg.API
	sec := &apiSecurity{summary: "plaintext, unauthenticated"}
	if c.TLSCert != "" {
		r := &certReloader{certFile: c.TLSCert, keyFile: c.TLSKey}
		if err := r.Reload(); err != nil {
			return nil, err
		}
		tc := &tls.Config{MinVersion: tls.VersionTLS12,
			GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return r.cert.Load(), nil }}
		if c.TLSClientCA != "" {
			pem, err := os.ReadFile(c.TLSClientCA)
			if err != nil {
				return nil, fmt.Errorf("server: --tls-client-ca: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("server: --tls-client-ca: %s: no PEM certificate", c.TLSClientCA)
			}
			tc.ClientCAs, tc.ClientAuth = pool, tls.RequireAndVerifyClientCert
		}
		sec.opts = append(sec.opts, api.WithTLS(credentials.NewTLS(tc)))
		sec.reload = append(sec.reload, r.Reload)
		sec.summary = "tls"
	}
	if c.Tokens != "" || c.JWT.JWKS != "" {
		a, err := auth.NewAuthenticator(auth.Config{TokensFile: c.Tokens, JWT: c.JWT})
		if err != nil {
			return nil, fmt.Errorf("server: --tokens/--jwt-jwks: %w", err)
		}
		sec.opts = append(sec.opts, api.WithSecurity(api.Security{Auth: a, Tags: tags, Limits: c.Limits,
			Audit: logAuditor{log.With("part", "audit")}}))
		sec.reload = append(sec.reload, a.Reload)
		sec.summary += ", tokens"
	}
	return sec, nil
}

// Reload re-reads every reloadable part; a part that fails keeps its old
// material and the error is returned.
func (s *apiSecurity) Reload() error {
	var first error
	for _, r := range s.reload {
		if err := r(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// logAuditor writes audit records to the log without tag ids: the count
// of person tags only. The audit store replaces it where configured.
type logAuditor struct{ log *slog.Logger }

// Audit implements api.Auditor.
func (a logAuditor) Audit(ctx context.Context, rec api.AuditRecord) {
	a.log.LogAttrs(ctx, slog.LevelInfo, "audit", slog.String("subject", rec.Subject), slog.String("role", rec.Role),
		slog.String("method", rec.Method), slog.String("outcome", rec.Outcome), slog.Int("person_tags", len(rec.Tags)))
}

// registryTags answers api.TagDirectory from the pipeline's registry.
// Units of tags come with the registry's unit field; until then "".
type registryTags struct {
	reg interface {
		Tag(ctx context.Context, id string) (geofence.Tag, error)
	}
}

// TagInfo implements api.TagDirectory.
func (r registryTags) TagInfo(ctx context.Context, tag string) (auth.Class, string, error) {
	t, err := r.reg.Tag(ctx, tag)
	if errors.Is(err, geofence.ErrUnknownTag) {
		return auth.Unknown, "", nil
	}
	if err != nil {
		return auth.Unknown, "", err
	}
	return auth.Class(t.Class), "", nil
}

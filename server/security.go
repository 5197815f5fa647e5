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
	"time"

	"google.golang.org/grpc/credentials"

	"github.com/hospitalrtls/rtls/api"
	"github.com/hospitalrtls/rtls/auth"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
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
	// AuditRetention is how long audit records are kept (0: 6 years, the
	// HIPAA documentation retention).
	AuditRetention time.Duration
}

// defaultAuditRetention is six years of 365 days.
const defaultAuditRetention = 6 * 365 * 24 * time.Hour

// validate reports the problems of c; insecure allows no material at all.
func (c APIConfig) validate(insecure bool, httpAddr string, bad func(flag, format string, args ...any)) {
	if (c.TLSCert == "") != (c.TLSKey == "") {
		bad("--tls-cert", "--tls-cert and --tls-key go together")
	}
	if c.TLSClientCA != "" && c.TLSCert == "" {
		bad("--tls-client-ca", "needs --tls-cert and --tls-key")
	}
	if c.TLSClientCA != "" && httpAddr != "" {
		// the gateway dials the gRPC port with no client certificate
		bad("--http-addr", "the JSON face and web app cannot run with --tls-client-ca; set --http-addr= (empty)")
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
	opts []api.Option
	// httpTLS serves the HTTP face with the API's certificate; nil without
	// one. It asks for no client certificate: browsers sign in with tokens.
	httpTLS *tls.Config
	reload  []func() error
	summary string // for the start log line
	// cert is the API's certificate, nil without TLS; forwarded calls
	// present it where client certificates are required.
	cert *certReloader
}

// newAPISecurity loads the TLS material and credentials of cfg.
func newAPISecurity(cfg Config, tags api.TagDirectory, audit store.AuditLog) (*apiSecurity, error) {
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
		sec.httpTLS = &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: tc.GetCertificate}
		sec.opts = append(sec.opts, api.WithTLS(credentials.NewTLS(tc)))
		sec.reload = append(sec.reload, r.Reload)
		sec.summary = "tls"
		sec.cert = r
	}
	if c.Tokens != "" || c.JWT.JWKS != "" {
		a, err := auth.NewAuthenticator(auth.Config{TokensFile: c.Tokens, JWT: c.JWT})
		if err != nil {
			return nil, fmt.Errorf("server: --tokens/--jwt-jwks: %w", err)
		}
		sec.opts = append(sec.opts, api.WithSecurity(api.Security{Auth: a, Tags: tags, Limits: c.Limits,
			Audit: api.StoreAuditor{Log: audit}, Clock: cfg.Clock}))
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

// trimAudit drops audit records older than the retention now and every
// hour until ctx ends.
func trimAudit(ctx context.Context, cfg Config, audit store.AuditLog, log *slog.Logger) {
	keep := cfg.API.AuditRetention
	if keep <= 0 {
		keep = defaultAuditRetention
	}
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := audit.TrimAudit(ctx, cfg.Clock().Add(-keep).UnixMilli()); err != nil && ctx.Err() == nil {
			log.Error("audit: cannot trim old records", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// registryTags answers api.TagDirectory from the pipeline's registry.
type registryTags struct {
	reg interface {
		Tag(ctx context.Context, id string) (geofence.Tag, error)
		LookupTags(ctx context.Context, ids []string) (map[string]geofence.Tag, error)
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
	return auth.Class(t.Class), t.Unit, nil
}

// TagUnits implements api.TagDirectory: one read of the pipeline's
// registry for a page or batch of events.
func (r registryTags) TagUnits(ctx context.Context, tags []string) (map[string]string, error) {
	found, err := r.reg.LookupTags(ctx, tags)
	if err != nil {
		return nil, err
	}
	units := make(map[string]string, len(found))
	for id, t := range found {
		if t.Unit != "" {
			units[id] = t.Unit
		}
	}
	return units, nil
}

package main

import (
	"flag"

	"github.com/hospitalrtls/rtls/server"
)

// apiFlags declares the flags of the API's security.
func apiFlags(fs *flag.FlagSet, cfg *server.Config) {
	a := &cfg.API
	fs.BoolVar(&cfg.Insecure, "insecure", false, "allow plaintext, unauthenticated gRPC and plain CoAP (logs a warning; --demo implies it)")
	fs.StringVar(&a.TLSCert, "tls-cert", "", "PEM certificate (chain) of the gRPC server; reloaded on SIGHUP")
	fs.StringVar(&a.TLSKey, "tls-key", "", "PEM private key of --tls-cert")
	fs.StringVar(&a.TLSClientCA, "tls-client-ca", "", "PEM CA file: require client certificates from it (mutual TLS)")
	fs.StringVar(&a.Tokens, "tokens", "", "tokens file (JSON lines from `rtlsctl keys token`); reloaded on SIGHUP")
	fs.StringVar(&a.JWT.JWKS, "jwt-jwks", "", "JWKS file of the identity provider's keys (JWT bearer tokens); reloaded on SIGHUP")
	fs.StringVar(&a.JWT.Issuer, "jwt-issuer", "", "required iss claim of JWTs")
	fs.StringVar(&a.JWT.Audience, "jwt-audience", "", "required aud claim of JWTs")
	fs.IntVar(&a.Limits.MaxStreams, "max-streams", 0, "open streams per subject (0: 16)")
	fs.Float64Var(&a.Limits.Rate, "rate", 0, "calls per second per subject (0: 50)")
	fs.DurationVar(&a.AuditRetention, "audit-retention", 0, "how long audit records are kept (0: 52560h, 6 years)")
	fs.DurationVar(&a.Limits.SlowConsumer, "slow-consumer", 0, "close a stream whose client has not read for this long (0: 30s)")
}

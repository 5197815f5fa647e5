package auth

import (
	"fmt"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

// JWTConfig configures the verification of JWTs from an identity provider.
type JWTConfig struct {
	// JWKS is a JSON Web Key Set file (the provider's public keys, each
	// with kid and alg).
	JWKS string
	// Issuer and Audience, when set, must match the iss and aud claims.
	Issuer, Audience string
	// Clock is the time expiry is checked against; nil is time.Now.
	Clock func() time.Time
}

// JWTVerifier verifies signed JWTs against a key set. Claims: sub is the
// subject, "role" the Role, "units" and "classes" lists of strings.
type JWTVerifier struct {
	keys jwk.Set
	opts []jwt.ParseOption
}

// NewJWTVerifier reads the key set of cfg.
func NewJWTVerifier(cfg JWTConfig) (*JWTVerifier, error) {
	set, err := jwk.ReadFile(cfg.JWKS)
	if err != nil {
		return nil, fmt.Errorf("auth: jwks %s: %w", cfg.JWKS, err)
	}
	if set.Len() == 0 {
		return nil, fmt.Errorf("auth: jwks %s: no keys", cfg.JWKS)
	}
	opts := []jwt.ParseOption{jwt.WithKeySet(set), jwt.WithAcceptableSkew(30 * time.Second)}
	if cfg.Clock != nil {
		opts = append(opts, jwt.WithClock(jwt.ClockFunc(cfg.Clock)))
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	return &JWTVerifier{keys: set, opts: opts}, nil
}

// Verify checks the signature, expiry (required), issuer and audience of
// a JWT and returns its principal.
func (v *JWTVerifier) Verify(token string) (*Principal, error) {
	if v == nil || !strings.HasPrefix(token, "eyJ") {
		return nil, ErrUnauthenticated
	}
	t, err := jwt.Parse([]byte(token), v.opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: jwt: %v", ErrUnauthenticated, err)
	}
	if _, ok := t.Expiration(); !ok {
		return nil, fmt.Errorf("%w: jwt: no exp claim", ErrUnauthenticated)
	}
	sub, _ := t.Subject()
	var role string
	if err := t.Get("role", &role); err != nil || sub == "" {
		return nil, fmt.Errorf("%w: jwt: sub and role claims required", ErrUnauthenticated)
	}
	r, err := ParseRole(role)
	if err != nil {
		return nil, fmt.Errorf("%w: jwt: %v", ErrUnauthenticated, err)
	}
	p := &Principal{Subject: sub, Role: r}
	p.Units = stringList(t, "units")
	for _, c := range stringList(t, "classes") {
		p.Classes = append(p.Classes, Class(c))
	}
	return p, nil
}

// stringList reads a claim holding a list of strings; absent or of
// another type, none.
func stringList(t jwt.Token, name string) []string {
	var raw []any
	if err := t.Get(name, &raw); err != nil {
		return nil
	}
	var out []string
	for _, v := range raw {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

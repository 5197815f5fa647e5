package auth

import (
	"fmt"
	"strings"
	"sync"
)

// Config says where credentials come from. Both may be set; neither
// means every token is refused.
type Config struct {
	// TokensFile is the tokens file (see TokenLine); empty: none.
	TokensFile string
	// JWT verifies identity-provider tokens; JWT.JWKS empty: none.
	JWT JWTConfig
}

// Authenticator turns a bearer token into a Principal. Reload swaps the
// tokens file and key set atomically; a failed reload keeps the old ones.
type Authenticator struct {
	cfg Config

	mu     sync.RWMutex // guards tokens and jwt
	tokens *Tokens
	jwt    *JWTVerifier
}

// NewAuthenticator loads the credentials of cfg.
func NewAuthenticator(cfg Config) (*Authenticator, error) {
	a := &Authenticator{cfg: cfg}
	if err := a.Reload(); err != nil {
		return nil, err
	}
	return a, nil
}

// Reload reads the tokens file and key set again (on SIGHUP).
func (a *Authenticator) Reload() error {
	var (
		tokens *Tokens
		v      *JWTVerifier
		err    error
	)
	if a.cfg.TokensFile != "" {
		if tokens, err = ReadTokensFile(a.cfg.TokensFile); err != nil {
			return err
		}
	}
	if a.cfg.JWT.JWKS != "" {
		if v, err = NewJWTVerifier(a.cfg.JWT); err != nil {
			return err
		}
	}
	a.mu.Lock()
	a.tokens, a.jwt = tokens, v
	a.mu.Unlock()
	return nil
}

// Authenticate returns the principal of a bearer token, or an error
// wrapping ErrUnauthenticated. The error text names no token.
func (a *Authenticator) Authenticate(token string) (*Principal, error) {
	if token == "" {
		return nil, fmt.Errorf("%w: no bearer token", ErrUnauthenticated)
	}
	a.mu.RLock()
	tokens, v := a.tokens, a.jwt
	a.mu.RUnlock()
	if strings.HasPrefix(token, "eyJ") {
		return v.Verify(token)
	}
	return tokens.Verify(token)
}

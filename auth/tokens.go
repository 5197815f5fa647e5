package auth

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

// ErrTokensFile is returned for a tokens file that does not parse; the
// message names the line.
var ErrTokensFile = errors.New("auth: bad tokens file")

// tokenPrefix marks opaque tokens of the tokens file, so that a verifier
// can tell them from JWTs (which start with "eyJ").
const tokenPrefix = "rtls_"

// tokenRandomBytes is the entropy of an issued token (256 bits): a
// SHA-256 of it cannot be brute-forced, so no salt or slow hash is needed.
const tokenRandomBytes = 32

// TokenLine is one line of the tokens file (JSON lines): the SHA-256 of
// the token, never the token, and who its bearer is.
type TokenLine struct {
	SHA256  string   `json:"sha256"`
	Subject string   `json:"subject"`
	Role    Role     `json:"role"`
	Units   []string `json:"units,omitempty"`
	Classes []Class  `json:"classes,omitempty"`
}

// NewToken makes a random token for p and the tokens-file line that
// admits it.
func NewToken(p Principal) (token, line string, err error) {
	if _, err := ParseRole(string(p.Role)); err != nil {
		return "", "", err
	}
	if p.Subject == "" {
		return "", "", fmt.Errorf("%w: empty subject", ErrTokensFile)
	}
	b := make([]byte, tokenRandomBytes)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("auth: cannot read random bytes: %w", err)
	}
	token = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	out, err := json.Marshal(TokenLine{SHA256: hashToken(token), Subject: p.Subject, Role: p.Role, Units: p.Units, Classes: p.Classes})
	if err != nil {
		return "", "", err
	}
	return token, string(out), nil
}

// hashToken is the hex SHA-256 of a token.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Tokens is a parsed tokens file: principals by token hash.
type Tokens struct {
	byHash map[string]*Principal
}

// ReadTokensFile reads a tokens file: JSON lines of TokenLine; blank
// lines and lines starting with '#' are skipped.
func ReadTokensFile(path string) (*Tokens, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth: tokens file: %w", err)
	}
	return ParseTokens(data)
}

// ParseTokens parses the contents of a tokens file.
func ParseTokens(data []byte) (*Tokens, error) {
	t := &Tokens{byHash: map[string]*Principal{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		var l TokenLine
		dec := json.NewDecoder(strings.NewReader(s))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrTokensFile, n, err)
		}
		if b, err := hex.DecodeString(l.SHA256); err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("%w: line %d: sha256: want 64 hex digits", ErrTokensFile, n)
		}
		if l.Subject == "" {
			return nil, fmt.Errorf("%w: line %d: subject: required", ErrTokensFile, n)
		}
		if _, err := ParseRole(string(l.Role)); err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrTokensFile, n, err)
		}
		if _, dup := t.byHash[strings.ToLower(l.SHA256)]; dup {
			return nil, fmt.Errorf("%w: line %d: token listed twice", ErrTokensFile, n)
		}
		t.byHash[strings.ToLower(l.SHA256)] = &Principal{Subject: l.Subject, Role: l.Role, Units: l.Units, Classes: l.Classes}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTokensFile, err)
	}
	return t, nil
}

// Verify returns the principal of an opaque token.
func (t *Tokens) Verify(token string) (*Principal, error) {
	if t == nil || !strings.HasPrefix(token, tokenPrefix) {
		return nil, ErrUnauthenticated
	}
	// The lookup compares hashes of a 256-bit secret: its timing tells
	// nothing about the token.
	p, ok := t.byHash[hashToken(token)]
	if !ok {
		return nil, ErrUnauthenticated
	}
	return p, nil
}

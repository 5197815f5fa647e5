package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

func TestCanSee(t *testing.T) {
	nurse := &Principal{Role: Nurse, Units: []string{"4W"}}
	integ := &Principal{Role: Integration, Classes: []Class{Asset, Staff}, Units: []string{"4W"}}
	for _, tc := range []struct {
		p     *Principal
		class Class
		unit  string
		want  bool
	}{
		{&Principal{Role: Admin}, Unknown, "", true},
		{&Principal{Role: Biomed}, Asset, "5E", true},
		{&Principal{Role: Biomed}, Patient, "4W", false},
		{&Principal{Role: Biomed}, Staff, "4W", false},
		{&Principal{Role: Biomed}, Unknown, "4W", false},
		{nurse, Patient, "4W", true},
		{nurse, Staff, "4W", true},
		{nurse, Patient, "5E", false},
		{nurse, Patient, "", false},
		{nurse, Asset, "5E", true},
		{nurse, Unknown, "4W", false},
		{&Principal{Role: Facilities}, Asset, "4W", false},
		{integ, Staff, "4W", true},
		{integ, Staff, "5E", false},
		{integ, Patient, "4W", false},
		{integ, Asset, "", true},
		{&Principal{Role: Integration}, Asset, "", true},
		{&Principal{Role: Integration}, Staff, "4W", false},
		{&Principal{Role: "root"}, Asset, "", false},
	} {
		if got := tc.p.CanSee(tc.class, tc.unit); got != tc.want {
			t.Errorf("%s %v CanSee(%q, %q) = %v, want %v", tc.p.Role, tc.p.Units, tc.class, tc.unit, got, tc.want)
		}
	}
}

// TestNeedsUnit: CanSee depends on the unit exactly where NeedsUnit says
// so, for every role and class.
func TestNeedsUnit(t *testing.T) {
	units := []string{"", "4W", "5E"}
	for _, p := range []*Principal{{Role: Admin}, {Role: Biomed}, {Role: Facilities},
		{Role: Nurse, Units: []string{"4W"}}, {Role: Nurse},
		{Role: Integration}, {Role: Integration, Classes: []Class{Asset, Staff}},
		{Role: Integration, Classes: []Class{Asset, Staff}, Units: []string{"4W"}}} {
		for _, c := range []Class{Unknown, Staff, Asset, Patient} {
			varies := false
			for _, u := range units {
				varies = varies || p.CanSee(c, u) != p.CanSee(c, units[0])
			}
			if p.NeedsUnit(c) != varies {
				t.Errorf("%s %v %v NeedsUnit(%q) = %v, but CanSee varies with the unit: %v", p.Role, p.Units, p.Classes, c, p.NeedsUnit(c), varies)
			}
		}
	}
}

func TestTokensFile(t *testing.T) {
	tok, line, err := NewToken(Principal{Subject: "nia", Role: Nurse, Units: []string{"4W"}})
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := ParseTokens([]byte("# comment\n\n" + line + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p, err := tokens.Verify(tok); err != nil || p.Subject != "nia" || p.Role != Nurse {
		t.Fatalf("Verify: %+v %v", p, err)
	}
	for _, bad := range []string{"", tok + "x", strings.TrimPrefix(tok, tokenPrefix), "eyJ.x.y"} {
		if _, err := tokens.Verify(bad); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("Verify(%.8q…): %v, want ErrUnauthenticated", bad, err)
		}
	}
	hash := strings.Repeat("a", 64)
	for name, file := range map[string]string{
		"not json":      "sha256=x",
		"short hash":    `{"sha256":"abc","subject":"s","role":"admin"}`,
		"no subject":    `{"sha256":"` + hash + `","role":"admin"}`,
		"bad role":      `{"sha256":"` + hash + `","subject":"s","role":"root"}`,
		"unknown field": `{"sha256":"` + hash + `","subject":"s","role":"admin","token":"x"}`,
		"twice":         `{"sha256":"` + hash + `","subject":"s","role":"admin"}` + "\n" + `{"sha256":"` + hash + `","subject":"t","role":"admin"}`,
	} {
		if _, err := ParseTokens([]byte(file)); !errors.Is(err, ErrTokensFile) || !strings.Contains(err.Error(), "line ") {
			t.Errorf("%s: %v, want ErrTokensFile naming the line", name, err)
		}
	}
}

// jwtFixture is an identity provider: a signing key and the JWKS file
// of its public key.
type jwtFixture struct {
	key  jwk.Key
	jwks string
}

func newJWTFixture(t *testing.T) *jwtFixture {
	t.Helper()
	raw, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := jwk.Import(raw)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]any{jwk.KeyIDKey: "k1", jwk.AlgorithmKey: jwa.ES256()} {
		if err := key.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	pub, err := jwk.PublicKeyOf(key)
	if err != nil {
		t.Fatal(err)
	}
	set := jwk.NewSet()
	if err := set.AddKey(pub); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	f := &jwtFixture{key: key, jwks: filepath.Join(t.TempDir(), "jwks.json")}
	if err := os.WriteFile(f.jwks, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// sign makes a token with claims, signed by key.
func sign(t *testing.T, key jwk.Key, claims map[string]any) string {
	t.Helper()
	tok := jwt.New()
	for k, v := range claims {
		if err := tok.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	b, err := jwt.Sign(tok, jwt.WithKey(jwa.ES256(), key))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestJWT(t *testing.T) {
	idp := newJWTFixture(t)
	other := newJWTFixture(t)
	now := time.Unix(1_800_000_000, 0)
	a, err := NewAuthenticator(Config{JWT: JWTConfig{JWKS: idp.jwks, Issuer: "https://idp", Audience: "rtls", Clock: func() time.Time { return now }}})
	if err != nil {
		t.Fatal(err)
	}
	good := map[string]any{"iss": "https://idp", "aud": "rtls", "sub": "nia", "role": "nurse", "units": []string{"4W"},
		"exp": now.Add(time.Hour).Unix()}
	with := func(k string, v any) map[string]any {
		c := map[string]any{}
		for kk, vv := range good {
			c[kk] = vv
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	p, err := a.Authenticate(sign(t, idp.key, good))
	if err != nil || p.Subject != "nia" || p.Role != Nurse || strings.Join(p.Units, ",") != "4W" {
		t.Fatalf("good token: %+v %v", p, err)
	}
	for name, tok := range map[string]string{
		"other key":   sign(t, other.key, good),
		"expired":     sign(t, idp.key, with("exp", now.Add(-time.Hour).Unix())),
		"no exp":      sign(t, idp.key, with("exp", nil)),
		"issuer":      sign(t, idp.key, with("iss", "https://evil")),
		"audience":    sign(t, idp.key, with("aud", "other")),
		"role":        sign(t, idp.key, with("role", "root")),
		"no subject":  sign(t, idp.key, with("sub", nil)),
		"tampered":    sign(t, idp.key, good)[:40] + "A" + sign(t, idp.key, good)[41:],
		"opaque only": "rtls_x",
	} {
		if _, err := a.Authenticate(tok); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("%s: %v, want ErrUnauthenticated", name, err)
		}
	}
}

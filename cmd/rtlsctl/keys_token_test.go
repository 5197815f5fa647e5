package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hospitalrtls/rtls/auth"
)

// TestKeysToken: the printed line, parsed as a tokens file, admits the
// printed token as the subject, role and units asked for, and holds only
// the token's hash.
func TestKeysToken(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"keys", "token", "--subject", "nia", "--role", "nurse", "--unit", "4W", "--unit", "5E"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var k struct{ Token, Line string }
	if err := json.Unmarshal(out.Bytes(), &k); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if strings.Contains(k.Line, k.Token) {
		t.Fatal("the tokens-file line holds the token itself")
	}
	tokens, err := auth.ParseTokens([]byte(k.Line + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := tokens.Verify(k.Token)
	if err != nil || p.Subject != "nia" || p.Role != auth.Nurse || strings.Join(p.Units, ",") != "4W,5E" {
		t.Fatalf("Verify: %+v, %v", p, err)
	}
}

func TestKeysTokenUsage(t *testing.T) {
	for name, args := range map[string][]string{
		"no subject":      {"keys", "token", "--role", "admin"},
		"bad role":        {"keys", "token", "--subject", "x", "--role", "root"},
		"nurse no unit":   {"keys", "token", "--subject", "x", "--role", "nurse"},
		"bad class":       {"keys", "token", "--subject", "x", "--role", "integration", "--class", "robot"},
		"unknown kind":    {"keys", "door"},
		"extra arguments": {"keys", "token", "--subject", "x", "--role", "admin", "more"},
	} {
		t.Run(name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(args, &out, &errOut); code != 2 || out.Len() != 0 {
				t.Fatalf("exit %d, stdout %q; want 2 and nothing", code, out.String())
			}
		})
	}
}

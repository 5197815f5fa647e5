package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/hospitalrtls/rtls/rfid"
)

func TestKeysReader(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"keys", "reader", "R-L0-S03"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var k readerKey
	dec := json.NewDecoder(&stdout)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&k); err != nil {
		t.Fatalf("output is not one JSON object: %v", err)
	}
	if dec.More() {
		t.Fatal("more than one JSON value printed")
	}
	if k.Reader != "R-L0-S03" || len(k.PSK) != 32 {
		t.Fatalf("got %+v, want reader R-L0-S03 and a 32-character psk", k)
	}
	// The line, appended to a keys file, is accepted and gives this key.
	path := filepath.Join(t.TempDir(), "reader-keys.jsonl")
	if err := os.WriteFile(path, []byte(k.Line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := rfid.LoadCredentials(path)
	if err != nil {
		t.Fatalf("line %q not accepted: %v", k.Line, err)
	}
	if c.Readers() != 1 {
		t.Errorf("keys file has %d readers, want 1", c.Readers())
	}
	var again bytes.Buffer
	run([]string{"keys", "reader", "R-L0-S03"}, &again, &stderr)
	var k2 readerKey
	if err := json.Unmarshal(again.Bytes(), &k2); err != nil || k2.PSK == k.PSK {
		t.Errorf("second key %q equals the first or does not parse (%v)", k2.PSK, err)
	}
}

func TestKeysUsage(t *testing.T) {
	for _, args := range [][]string{{"keys"}, {"keys", "reader"}, {"keys", "reader", "a b"}, {"keys", "printer", "x"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 2 || stdout.Len() != 0 {
			t.Errorf("%q: exit %d, stdout %q; want 2 and nothing printed", args, code, stdout.String())
		}
	}
}

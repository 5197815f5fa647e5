package server

import (
	"bytes"
	"crypto/tls"
	"os"
	"testing"

	"github.com/hospitalrtls/rtls/internal/testpki"
)

// TestCertReload: a reload serves the certificate now in the files; a
// reload of files that do not parse fails and keeps the one in force.
func TestCertReload(t *testing.T) {
	pki := testpki.New(t)
	cert, key := pki.Issue(t, "first")
	r := &certReloader{certFile: cert, keyFile: key}
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	first := r.cert.Load()
	cert2, key2 := pki.Issue(t, "second")
	copyFile(t, cert2, cert)
	copyFile(t, key2, key)
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	second := r.cert.Load()
	if bytes.Equal(first.Certificate[0], second.Certificate[0]) || !sameLeaf(t, second, cert2, key2) {
		t.Fatal("Reload did not pick up the new certificate")
	}
	if err := os.WriteFile(cert, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := r.Reload(); err == nil {
		t.Fatal("Reload of a broken file succeeded")
	}
	if r.cert.Load() != second {
		t.Fatal("a failed reload replaced the certificate in force")
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func sameLeaf(t *testing.T, c *tls.Certificate, certFile, keyFile string) bool {
	t.Helper()
	want, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(c.Certificate[0], want.Certificate[0])
}

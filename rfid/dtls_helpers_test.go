package rfid

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/internal/testlog"
	piondtls "github.com/pion/dtls/v3"
	"github.com/plgd-dev/go-coap/v3/dtls"
	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/net/blockwise"
	"github.com/plgd-dev/go-coap/v3/options"
	"github.com/plgd-dev/go-coap/v3/udp/client"
	"github.com/prometheus/client_golang/prometheus"
)

// Test keys: 32 printable bytes each, as rtlsctl makes them.
const (
	pskS03 = "k3J9xQ2mV7pL0sD8fG4hT6yU1wE5rB2n"
	pskS02 = "Zq8W3eR6tY1uI4oP7aS0dF2gH5jK9lX3"
)

// keysFile writes a reader keys file of lines into a temporary directory.
func keysFile(t testing.TB, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "reader-keys.jsonl")
	if err := os.WriteFile(p, []byte("# test keys\n"+strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustCredentials(t testing.TB, lines ...string) *Credentials {
	t.Helper()
	c, err := LoadCredentials(keysFile(t, lines...))
	if err != nil {
		t.Fatalf("LoadCredentials: %v", err)
	}
	return c
}

// startDTLSServer serves DTLS on a random loopback port with creds.
func startDTLSServer(t testing.TB, cfg Config, creds *Credentials) *testServer {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testlog.Logger()
	}
	cfg.Credentials = creds
	ts := &testServer{reg: prometheus.NewRegistry(), sink: &recordingSink{}}
	srv, err := NewServer(cfg, ts.sink, testReaders, ts.reg)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	l, err := srv.ListenDTLS("127.0.0.1:0")
	if err != nil {
		t.Fatalf("ListenDTLS: %v", err)
	}
	ts.Server, ts.addr = srv, l.Addr().String()
	done := make(chan error, 1)
	go func() { done <- srv.ServeDTLS(l) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("ServeDTLS returned %v, want ErrServerClosed", err)
		}
	})
	return ts
}

// dialPSK opens a DTLS session as identity with key, the cipher suite
// libcoap readers use.
//
// badHandshake is the wait for a handshake expected to fail.
const badHandshake = 2 * time.Second

// dialBadPSK is dialPSK for a handshake expected to fail.
//
// It dials with pion alone: go-coap's client starts reading at once, which
// starts the handshake without a deadline and holds it, so a handshake that
// the server never answers (a wrong key gets no alert) would never end.
func dialBadPSK(t testing.TB, addr, identity, key string) error {
	t.Helper()
	raddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := piondtls.DialWithOptions("udp", raddr,
		piondtls.WithPSK(func([]byte) ([]byte, error) { return []byte(key), nil }),
		piondtls.WithPSKIdentityHint([]byte(identity)),
		piondtls.WithCipherSuites(piondtls.TLS_PSK_WITH_AES_128_CCM_8))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), badHandshake)
	defer cancel()
	return conn.HandshakeContext(ctx)
}
func dialPSK(t testing.TB, addr, identity, key string) (*client.Conn, error) {
	t.Helper()
	return dialDTLS(t, addr, 10*time.Second,
		piondtls.WithPSK(func([]byte) ([]byte, error) { return []byte(key), nil }),
		piondtls.WithPSKIdentityHint([]byte(identity)),
		piondtls.WithCipherSuites(piondtls.TLS_PSK_WITH_AES_128_CCM_8))
}

// dialDTLS opens a DTLS session, waiting up to timeout for the handshake
// (the server sends no alert on a wrong PSK: the client gives up).
func dialDTLS(t testing.TB, addr string, timeout time.Duration, opts ...piondtls.ClientOption) (*client.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cc, err := dtls.Dial(addr, dtls.NewDTLSClientOptions(opts...),
		options.WithBlockwise(false, blockwise.SZX1024, time.Second), options.WithErrors(func(error) {}))
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = cc.Close() })
	// The handshake is lazy; finish it here so its failure shows.
	if err := cc.NetConn().(*piondtls.Conn).HandshakeContext(ctx); err != nil {
		return nil, err
	}
	return cc, nil
}

// postOn posts body (JSON) on an open session.
func postOn(t testing.TB, cc *client.Conn, body []byte) (reply, uint32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := cc.Post(ctx, SightingsPath, message.AppJSON, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	maxAge, _ := resp.Options().GetUint32(message.MaxAge)
	return toReply(t, resp), maxAge
}

// testPKI is a CA and what it signs, written as PEM files in dir.
type testPKI struct {
	dir  string
	ca   *x509.Certificate
	key  *ecdsa.PrivateKey
	next int64
}

func newTestPKI(t testing.TB) *testPKI {
	t.Helper()
	p := &testPKI{dir: t.TempDir(), next: 2}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test readers CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	p.ca, _ = x509.ParseCertificate(der)
	p.key = key
	writePEM(t, filepath.Join(p.dir, "ca.pem"), "CERTIFICATE", der)
	return p
}

// issue signs a certificate for cn (client or server use) and returns it
// as a tls.Certificate, also written to name.pem and name-key.pem.
func (p *testPKI) issue(t testing.TB, name, cn string, dns []string, usage x509.ExtKeyUsage) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p.next++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(p.next), Subject: pkix.Name{CommonName: cn}, DNSNames: dns,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, filepath.Join(p.dir, name+".pem"), "CERTIFICATE", der)
	writePEM(t, filepath.Join(p.dir, name+"-key.pem"), "EC PRIVATE KEY", kder)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// keyLines are the reader keys file lines accepting this CA's readers,
// with a server certificate it signed.
func (p *testPKI) keyLines(t testing.TB) []string {
	t.Helper()
	p.issue(t, "server", "rtlsd", []string{"localhost"}, x509.ExtKeyUsageServerAuth)
	return []string{
		`{"ca":"` + filepath.Join(p.dir, "ca.pem") + `"}`,
		`{"cert":"` + filepath.Join(p.dir, "server.pem") + `","key":"` + filepath.Join(p.dir, "server-key.pem") + `"}`,
	}
}

func writePEM(t testing.TB, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

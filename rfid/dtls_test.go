package rfid

import (
	"crypto/x509"
	"testing"
	"time"

	piondtls "github.com/pion/dtls/v3"
	"github.com/plgd-dev/go-coap/v3/message/codes"
	"github.com/plgd-dev/go-coap/v3/udp/client"
)

func TestDTLSReaderReportsAsItself(t *testing.T) {
	ts := startDTLSServer(t, Config{}, mustCredentials(t, PSKLine("R-L0-S03", pskS03), PSKLine("R-L0-S02", pskS02)))
	cc, err := dialPSK(t, ts.addr, "R-L0-S03", pskS03)
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	now := time.Now()
	tests := []struct {
		name   string
		reader string
		want   codes.Code
	}{
		{"itself", "R-L0-S03", codes.Changed},
		{"another reader", "R-L0-S02", codes.Forbidden},
		{"unknown reader", "R-L9-X99", codes.Forbidden},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := postOn(t, cc, mustJSON(t, sampleBatch(tt.reader, uint64(i+1), 2, now)))
			if r.code != tt.want {
				t.Fatalf("got %v %q, want %v", r.code, r.body, tt.want)
			}
		})
	}
	if n := metricValue(t, ts.metrics.forbidden.WithLabelValues("R-L0-S03")); n != 2 {
		t.Errorf("forbidden counter %v, want 2", n)
	}
	if got := len(ts.sink.all()); got != 2 {
		t.Errorf("sink got %d sightings, want only the 2 of the reader's own batch", got)
	}
}

func TestDTLSHandshakeRefused(t *testing.T) {
	ts := startDTLSServer(t, Config{}, mustCredentials(t, PSKLine("R-L0-S03", pskS03)))
	tests := []struct{ name, identity, key string }{
		{"wrong key", "R-L0-S03", pskS02},
		{"unknown identity", "R-L0-S02", pskS02},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := dialBadPSK(t, ts.addr, tt.identity, tt.key); err == nil {
				t.Fatal("handshake succeeded")
			}
		})
	}
	if n := metricValue(t, ts.metrics.handshakeFailures.WithLabelValues("unknown_identity")); n != 1 {
		t.Errorf("unknown identity counter %v, want 1", n)
	}
	if ts.sink.calls() != 0 {
		t.Errorf("sink called %d times", ts.sink.calls())
	}
}

func TestDTLSReloadKeepsOtherSessions(t *testing.T) {
	ts := startDTLSServer(t, Config{}, mustCredentials(t, PSKLine("R-L0-S03", pskS03), PSKLine("R-L0-S02", pskS02)))
	s03, err := dialPSK(t, ts.addr, "R-L0-S03", pskS03)
	if err != nil {
		t.Fatal(err)
	}
	s02, err := dialPSK(t, ts.addr, "R-L0-S02", pskS02)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if r, _ := postOn(t, s02, mustJSON(t, sampleBatch("R-L0-S02", 1, 1, now))); r.code != codes.Changed {
		t.Fatalf("S02 before reload: %v %q", r.code, r.body)
	}
	// S02's key is rotated; S03's stays.
	const rotated = "N3wK3yF0rS02xxxxxxxxxxxxxxxxxxxx"
	if closed := ts.SetCredentials(mustCredentials(t, PSKLine("R-L0-S03", pskS03), PSKLine("R-L0-S02", rotated))); closed != 1 {
		t.Fatalf("reload closed %d sessions, want 1 (S02's)", closed)
	}
	if r, _ := postOn(t, s03, mustJSON(t, sampleBatch("R-L0-S03", 2, 1, now))); r.code != codes.Changed {
		t.Fatalf("S03 on its old session after reload: %v %q", r.code, r.body)
	}
	waitFor(t, "S02's session to close", func() bool { return metricValue(t, ts.metrics.sessions) == 1 })
	if err := dialBadPSK(t, ts.addr, "R-L0-S02", pskS02); err == nil {
		t.Error("old S02 key still accepted after reload")
	}
	s02b, err := dialPSK(t, ts.addr, "R-L0-S02", rotated)
	if err != nil {
		t.Fatalf("new S02 key: %v", err)
	}
	if r, _ := postOn(t, s02b, mustJSON(t, sampleBatch("R-L0-S02", 3, 1, now))); r.code != codes.Changed {
		t.Fatalf("S02 with its new key: %v %q", r.code, r.body)
	}
}

func TestDTLSIdleSessionClosed(t *testing.T) {
	ts := startDTLSServer(t, Config{DTLSIdleTimeout: 100 * time.Millisecond}, mustCredentials(t, PSKLine("R-L0-S03", pskS03)))
	if _, err := dialPSK(t, ts.addr, "R-L0-S03", pskS03); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the idle session to close", func() bool {
		return metricValue(t, ts.metrics.sessionsIdle) == 1 && metricValue(t, ts.metrics.sessions) == 0
	})
}

// waitFor polls cond until it holds: go-coap closes sessions on its own
// goroutines and clock. The guard only bounds a broken server.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	const guard = 20 * time.Second
	deadline := time.Now().Add(guard)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", guard, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestDTLSCertificates(t *testing.T) {
	pki := newTestPKI(t)
	other := newTestPKI(t)
	ts := startDTLSServer(t, Config{}, mustCredentials(t, append(pki.keyLines(t), PSKLine("R-L1-N01", pskS02))...))
	dialCert := func(t *testing.T, p *testPKI, cn string, dns []string) (*client.Conn, error) {
		cert := p.issue(t, "reader", cn, dns, x509.ExtKeyUsageClientAuth)
		return dialDTLS(t, ts.addr, 10*time.Second, piondtls.WithCertificates(cert), piondtls.WithRootCAs(poolOf(pki.ca, other.ca)),
			piondtls.WithServerName("localhost"))
	}
	now := time.Now()
	t.Run("CN", func(t *testing.T) {
		cc, err := dialCert(t, pki, "R-L0-S03", nil)
		if err != nil {
			t.Fatalf("handshake: %v", err)
		}
		if r, _ := postOn(t, cc, mustJSON(t, sampleBatch("R-L0-S03", 1, 1, now))); r.code != codes.Changed {
			t.Fatalf("own batch: %v %q", r.code, r.body)
		}
		if r, _ := postOn(t, cc, mustJSON(t, sampleBatch("R-L0-S02", 2, 1, now))); r.code != codes.Forbidden {
			t.Fatalf("other reader's batch: %v %q, want 4.03", r.code, r.body)
		}
	})
	t.Run("SAN", func(t *testing.T) {
		cc, err := dialCert(t, pki, "", []string{"R-L0-S02"})
		if err != nil {
			t.Fatalf("handshake: %v", err)
		}
		if r, _ := postOn(t, cc, mustJSON(t, sampleBatch("R-L0-S02", 3, 1, now))); r.code != codes.Changed {
			t.Fatalf("own batch: %v %q", r.code, r.body)
		}
	})
	t.Run("PSK beside certificates", func(t *testing.T) {
		cc, err := dialPSK(t, ts.addr, "R-L1-N01", pskS02)
		if err != nil {
			t.Fatalf("handshake: %v", err)
		}
		if r, _ := postOn(t, cc, mustJSON(t, sampleBatch("R-L1-N01", 5, 1, now))); r.code != codes.Changed {
			t.Fatalf("own batch: %v %q", r.code, r.body)
		}
	})
	t.Run("no certificate", func(t *testing.T) {
		if _, err := dialDTLS(t, ts.addr, badHandshake, piondtls.WithRootCAs(poolOf(pki.ca, other.ca)),
			piondtls.WithServerName("localhost")); err == nil {
			t.Fatal("handshake without a certificate or PSK accepted")
		}
	})
	t.Run("other CA", func(t *testing.T) {
		if _, err := dialCert(t, other, "R-L0-S03", nil); err == nil {
			t.Fatal("certificate of another CA accepted")
		}
	})
	t.Run("CA removed on reload", func(t *testing.T) {
		cc, err := dialCert(t, pki, "R-L0-S03", nil)
		if err != nil {
			t.Fatal(err)
		}
		// An answer means the server has recorded the session.
		if r, _ := postOn(t, cc, mustJSON(t, sampleBatch("R-L0-S03", 4, 1, now))); r.code != codes.Changed {
			t.Fatalf("own batch: %v %q", r.code, r.body)
		}
		if closed := ts.SetCredentials(mustCredentials(t, other.keyLines(t)...)); closed < 1 {
			t.Fatalf("reload to another CA closed %d sessions, want every session of the old CA", closed)
		}
		if _, err := dialCert(t, pki, "R-L0-S03", nil); err == nil {
			t.Fatal("old CA still accepted after reload")
		}
	})
}

func poolOf(cs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range cs {
		p.AddCert(c)
	}
	return p
}

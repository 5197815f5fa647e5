package rfid

import (
	"context"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// coapClient finds libcoap's coap-client built with a DTLS library. When
// it is missing the test is skipped, unless RTLS_REQUIRE_COAP_CLIENT is
// set (CI installs libcoap3-bin), then it fails.
func coapClient(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"coap-client-openssl", "coap-client-gnutls"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("RTLS_REQUIRE_COAP_CLIENT") != "" {
		t.Fatal("coap-client-openssl / coap-client-gnutls not found and RTLS_REQUIRE_COAP_CLIENT is set (apt-get install libcoap3-bin)")
	}
	t.Skip("coap-client-openssl / coap-client-gnutls not found: apt-get install libcoap3-bin to run this test")
	return ""
}

// runCoapClient posts body with libcoap's client and returns what it printed.
func runCoapClient(t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	return string(out), err
}

func TestLibcoapClientPSK(t *testing.T) {
	bin := coapClient(t)
	ts := startDTLSServer(t, Config{}, mustCredentials(t, PSKLine("R-L0-S03", pskS03)))
	url := "coaps://" + ts.addr + SightingsPath
	now := time.Now()
	post := func(reader, key string, seq uint64) (string, error) {
		body := string(mustJSON(t, sampleBatch(reader, seq, 3, now)))
		return runCoapClient(t, bin, "-m", "post", "-t", "50", "-e", body, "-u", "R-L0-S03", "-k", key, "-B", "5", url)
	}
	t.Run("accepted", func(t *testing.T) {
		out, err := post("R-L0-S03", pskS03, 1)
		if err != nil || !strings.Contains(out, `"accepted":3`) {
			t.Fatalf("coap-client: %v\n%s", err, out)
		}
	})
	t.Run("other reader forbidden", func(t *testing.T) {
		out, _ := post("R-L0-S02", pskS03, 2)
		if !strings.Contains(out, "4.03") || !strings.Contains(out, "only report as itself") {
			t.Fatalf("want 4.03 with a reason, coap-client printed:\n%s", out)
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		out, _ := post("R-L0-S03", pskS02, 3)
		t.Logf("coap-client with a wrong key printed: %q", out)
		if strings.Contains(out, "accepted") || strings.Contains(out, "4.03") {
			t.Fatalf("wrong key got an answer:\n%s", out)
		}
	})
	if got := len(ts.sink.all()); got != 3 {
		t.Errorf("sink got %d sightings, want the 3 of the accepted batch", got)
	}
}

func TestLibcoapClientCertificate(t *testing.T) {
	bin := coapClient(t)
	pki := newTestPKI(t)
	ts := startDTLSServer(t, Config{}, mustCredentials(t, pki.keyLines(t)...))
	pki.issue(t, "reader", "R-L0-S03", nil, x509.ExtKeyUsageClientAuth)
	url := "coaps://" + ts.addr + SightingsPath
	post := func(reader string, seq uint64) string {
		out, _ := runCoapClient(t, bin, "-m", "post", "-t", "50", "-B", "5",
			"-c", filepath.Join(pki.dir, "reader.pem"), "-j", filepath.Join(pki.dir, "reader-key.pem"), "-C", filepath.Join(pki.dir, "ca.pem"),
			"-e", string(mustJSON(t, sampleBatch(reader, seq, 2, time.Now()))), url)
		return out
	}
	if out := post("R-L0-S03", 1); !strings.Contains(out, `"accepted":2`) {
		t.Fatalf("own batch with a certificate: coap-client printed %q", out)
	}
	if out := post("R-L0-S02", 2); !strings.Contains(out, "4.03") {
		t.Fatalf("other reader's batch: coap-client printed %q, want 4.03", out)
	}
}

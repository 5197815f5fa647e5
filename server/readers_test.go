package server

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/auth"
	"github.com/hospitalrtls/rtls/internal/testpki"
	"github.com/hospitalrtls/rtls/rfid"
	"github.com/hospitalrtls/rtls/store"
)

// coapClientBin is libcoap's coap-client with DTLS; the test is skipped
// without it unless RTLS_REQUIRE_COAP_CLIENT is set.
func coapClientBin(t *testing.T) string {
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

func coapClient(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	return string(out)
}

// TestReadersOverDTLS runs rtlsd without --insecure: readers post with
// libcoap's client over DTLS with their PSK; there is no plain CoAP.
func TestReadersOverDTLS(t *testing.T) {
	t.Parallel() // its own processes and ports; slow, so overlapped with the rest
	bin := coapClientBin(t)
	const key1, key2 = "s3cr3t-psk-of-R-L0-S03-0123456789", "r0tat3d-psk-of-R-L0-S03-987654321"
	keys := filepath.Join(t.TempDir(), "reader-keys.jsonl")
	writeKeys := func(psk string) {
		if err := os.WriteFile(keys, []byte(rfid.PSKLine("R-L0-S03", psk)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeKeys(key1)
	s, _ := startWith(t, Config{Floorplans: []string{clinicPlan}, CoAPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0",
		Tick: 50 * time.Millisecond, Readers: ReaderConfig{Keys: keys, DTLSAddr: "127.0.0.1:0"}, API: secureAPIConfig(t)})
	if s.CoAPAddr() != nil {
		t.Fatalf("plain CoAP listens on %v without --insecure", s.CoAPAddr())
	}
	url := "coaps://" + s.CoAPDTLSAddr().String() + rfid.SightingsPath
	postAs := func(reader, psk string, seq uint64) string {
		return coapClient(t, bin, "-m", "post", "-t", "50", "-B", "5", "-u", "R-L0-S03", "-k", psk,
			"-e", string(batch(reader, seq, -45, time.Now(), 3)), url)
	}
	if out := postAs("R-L0-S03", key1, 1); !strings.Contains(out, `"accepted":3`) {
		t.Fatalf("own batch over DTLS: coap-client printed %q", out)
	}
	if out := postAs("R-L0-S05", key1, 2); !strings.Contains(out, "4.03") {
		t.Fatalf("batch claiming R-L0-S05: coap-client printed %q, want 4.03", out)
	}
	// The DTLS port does not speak plain CoAP: no answer at all.
	plain := "coap://" + s.CoAPDTLSAddr().String() + rfid.SightingsPath
	if out := coapClient(t, bin, "-m", "post", "-t", "50", "-B", "2", "-e", string(batch("R-L0-S03", 3, -45, time.Now(), 1)), plain); strings.Contains(out, "accepted") {
		t.Fatalf("plain CoAP to the DTLS port was answered: %q", out)
	}
	// SIGHUP's reload: the rotated key works, the old one no longer does.
	writeKeys(key2)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if out := postAs("R-L0-S03", key2, 4); !strings.Contains(out, `"accepted":3`) {
		t.Fatalf("rotated key: coap-client printed %q", out)
	}
	if out := postAs("R-L0-S03", key1, 5); strings.Contains(out, "accepted") {
		t.Fatalf("old key still accepted after reload: %q", out)
	}
	// A bad file keeps the keys in force.
	if err := os.WriteFile(keys, []byte("{not json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(); !errors.Is(err, rfid.ErrCredentials) {
		t.Fatalf("reload of a bad file: %v, want ErrCredentials", err)
	}
	if out := postAs("R-L0-S03", key2, 6); !strings.Contains(out, `"accepted":3`) {
		t.Fatalf("after a failed reload: coap-client printed %q", out)
	}
	// What was accepted reaches the store.
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := s.store.GetPosition(context.Background(), "PUMP-E2E"); err == nil {
			break
		} else if !errors.Is(err, store.ErrNotFound) || time.Now().After(deadline) {
			t.Fatalf("position from DTLS batches: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// secureAPIConfig is TLS material and a tokens file for an rtlsd that runs
// without --insecure (the API then needs both).
func secureAPIConfig(t *testing.T) APIConfig {
	t.Helper()
	pki := testpki.New(t)
	cert, key := pki.Issue(t, "rtlsd")
	_, line, err := auth.NewToken(auth.Principal{Subject: "ada", Role: auth.Admin})
	if err != nil {
		t.Fatal(err)
	}
	tokens := filepath.Join(t.TempDir(), "tokens.jsonl")
	if err := os.WriteFile(tokens, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return APIConfig{TLSCert: cert, TLSKey: key, Tokens: tokens}
}

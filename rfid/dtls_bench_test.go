package rfid

import (
	"testing"
	"time"

	"github.com/plgd-dev/go-coap/v3/message/codes"
	"github.com/plgd-dev/go-coap/v3/udp/client"
)

// BenchmarkSession compares plain CoAP with CoAP over DTLS (PSK,
// AES-128-CCM-8) on loopback: "connect" opens a session (for DTLS, the
// handshake) and posts one batch; "post" posts batches of 10 sightings on
// one open session, one at a time (requests/s = 1e9 / ns/op).
func BenchmarkSession(b *testing.B) {
	creds := mustCredentials(b, PSKLine("R-L0-S03", pskS03))
	plain := startServer(b, Config{SeqWindow: -1})
	secure := startDTLSServer(b, Config{SeqWindow: -1}, creds)
	body := mustJSON(b, sampleBatch("R-L0-S03", 0, 10, time.Now()))
	dialers := []struct {
		name string
		dial func() *client.Conn
	}{
		{"plain", func() *client.Conn { return dial(b, plain.addr) }},
		{"dtls", func() *client.Conn {
			cc, err := dialPSK(b, secure.addr, "R-L0-S03", pskS03)
			if err != nil {
				b.Fatal(err)
			}
			return cc
		}},
	}
	for _, d := range dialers {
		b.Run("connect/"+d.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				cc := d.dial()
				if r, _ := postOn(b, cc, body); r.code != codes.Changed {
					b.Fatalf("got %v %q", r.code, r.body)
				}
				_ = cc.Close()
			}
		})
		b.Run("post/"+d.name, func(b *testing.B) {
			cc := d.dial()
			defer cc.Close()
			b.ReportAllocs()
			for b.Loop() {
				if r, _ := postOn(b, cc, body); r.code != codes.Changed {
					b.Fatalf("got %v %q", r.code, r.body)
				}
			}
		})
	}
}

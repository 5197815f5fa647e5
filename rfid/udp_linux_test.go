//go:build linux

package rfid

import (
	"testing"
	"time"

	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/codes"
)

// TestKernelDropsCounted overflows a tiny receive buffer while the only
// reading goroutine is held in the Sink: every datagram sent is then
// either answered or counted in rtls_rfid_udp_kernel_drops_total.
func TestKernelDropsCounted(t *testing.T) {
	const sent = 200
	var gate *gatedSink
	ts := startServerWith(t, Config{ReadBuffer: 4096, ReadGoroutines: 1}, func(r *recordingSink) Sink {
		gate = newGatedSink(r)
		return gate
	})
	if granted, _ := gathered(t, ts.reg, "rtls_rfid_udp_read_buffer_bytes"); granted <= 0 || granted > 64<<10 {
		t.Fatalf("read buffer gauge %v, want the small buffer asked", granted)
	}
	p := newRawPeer(t, ts.addr)
	body := mustCBOR(t, sampleBatch("R-L0-S03", 0, 50, time.Now()))
	p.send(postMessage(message.Confirmable, 0, "k", int(message.AppCBOR), body))
	<-gate.entered // the reading goroutine is busy from here on
	for i := 1; i < sent; i++ {
		p.send(postMessage(message.Confirmable, int32(i), "k", int(message.AppCBOR), body))
	}
	drops, ok := gathered(t, ts.reg, "rtls_rfid_udp_kernel_drops_total")
	if !ok || drops == 0 {
		t.Fatalf("kernel drops %v (exported: %v), want > 0 with a 4 KiB buffer", drops, ok)
	}
	go func() {
		for range sent {
			gate.release <- struct{}{}
		}
	}()
	for range sent - int(drops) {
		if _, m := p.recv(); m.Code != codes.Changed {
			t.Fatalf("answer %v, want 2.04", m.String())
		}
	}
	if queued, _ := gathered(t, ts.reg, "rtls_rfid_udp_receive_queue_bytes"); queued != 0 {
		t.Errorf("receive queue %v bytes after every answer, want 0", queued)
	}
	if n := ts.sink.calls(); n != sent-int(drops) {
		t.Errorf("sink took %d batches, want %d sent - %v dropped", n, sent, drops)
	}
}

package rfid

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/codes"
	"github.com/plgd-dev/go-coap/v3/udp/coder"
)

// rawPeer is a bare UDP socket speaking CoAP through go-coap's codec, so a
// test controls message ids, types and options exactly.
type rawPeer struct {
	t    *testing.T
	conn *net.UDPConn
}

func newRawPeer(t *testing.T, addr string) *rawPeer {
	t.Helper()
	raddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialUDP("udp", nil, raddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &rawPeer{t: t, conn: conn}
}

func (p *rawPeer) send(m message.Message) {
	p.t.Helper()
	buf, err := encodeMessage(m)
	if err != nil {
		p.t.Fatalf("encode: %v", err)
	}
	if _, err := p.conn.Write(buf); err != nil {
		p.t.Fatalf("write: %v", err)
	}
}

// recv returns the next datagram; the deadline only keeps a broken server
// from hanging the test.
func (p *rawPeer) recv() ([]byte, message.Message) {
	p.t.Helper()
	buf := make([]byte, 65536)
	_ = p.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := p.conn.Read(buf)
	if err != nil {
		p.t.Fatalf("read: %v", err)
	}
	m := message.Message{Options: make(message.Options, 0, 16)}
	if _, err := coder.DefaultCoder.Decode(buf[:n], &m); err != nil {
		p.t.Fatalf("decode answer: %v", err)
	}
	return buf[:n], m
}

func postMessage(typ message.Type, mid int32, token string, format int, body []byte, extra ...message.Option) message.Message {
	opts := message.Options{
		{ID: message.URIPath, Value: []byte("v1")},
		{ID: message.URIPath, Value: []byte("sightings")},
	}
	if format >= 0 {
		opts = append(opts, uintOption(message.ContentFormat, uint32(format)))
	}
	opts = append(opts, extra...)
	return message.Message{Type: typ, Code: codes.POST, MessageID: mid, Token: message.Token(token), Options: sortOptions(opts), Payload: body}
}

func sortOptions(opts message.Options) message.Options {
	for i := 1; i < len(opts); i++ {
		for j := i; j > 0 && opts[j].ID < opts[j-1].ID; j-- {
			opts[j], opts[j-1] = opts[j-1], opts[j]
		}
	}
	return opts
}

func TestRetransmittedCONProcessedOnce(t *testing.T) {
	ts := startServer(t, Config{})
	body := mustJSON(t, sampleBatch("R-L0-S03", 0, 4, time.Now()))
	con := postMessage(message.Confirmable, 4711, "tok1", jsonCF, body)

	p := newRawPeer(t, ts.addr)
	p.send(con)
	first, ack := p.recv()
	p.send(con) // the ACK was "lost": the reader retransmits
	second, _ := p.recv()

	if ack.Type != message.Acknowledgement || ack.MessageID != 4711 || string(ack.Token) != "tok1" || ack.Code != codes.Changed {
		t.Fatalf("answer %v, want piggybacked 2.04 ACK for mid 4711", ack.String())
	}
	if !bytes.Equal(first, second) {
		t.Errorf("retransmission answered %x, first %x", second, first)
	}
	if n := ts.sink.calls(); n != 1 {
		t.Errorf("sink called %d times, want 1", n)
	}
	if got := metricValue(t, ts.metrics.duplicates.WithLabelValues(dupRetransmission)); got != 1 {
		t.Errorf("duplicates{retransmission} = %v, want 1", got)
	}

	// The same message id from another endpoint is another exchange.
	other := newRawPeer(t, ts.addr)
	other.send(con)
	other.recv()
	if n := ts.sink.calls(); n != 2 {
		t.Errorf("sink called %d times after another endpoint, want 2", n)
	}
}

func TestRetransmittedErrorAnsweredAlike(t *testing.T) {
	ts := startServer(t, Config{})
	con := postMessage(message.Confirmable, 9, "e", jsonCF, []byte(`{"reader":`))
	p := newRawPeer(t, ts.addr)
	p.send(con)
	first, m := p.recv()
	p.send(con)
	second, _ := p.recv()
	if m.Code != codes.BadRequest || !bytes.Equal(first, second) {
		t.Errorf("got %v then %x, want the same 4.00 twice (%x)", m.Code, second, first)
	}
	if got := metricValue(t, ts.metrics.batches.WithLabelValues("4.00")); got != 1 {
		t.Errorf("batches{4.00} = %v, want 1 (retransmission not re-processed)", got)
	}
}

func TestNonConfirmable(t *testing.T) {
	ts := startServer(t, Config{})
	body := mustJSON(t, sampleBatch("R-L0-S03", 0, 2, time.Now()))
	non := postMessage(message.NonConfirmable, 100, "n1", jsonCF, body)
	p := newRawPeer(t, ts.addr)
	p.send(non)
	_, m := p.recv()
	if m.Type != message.NonConfirmable || string(m.Token) != "n1" || m.Code != codes.Changed {
		t.Fatalf("answer %v, want NON 2.04 with token n1", m.String())
	}
	// A duplicate NON is ignored: the next datagram answers the CON after it.
	p.send(non)
	p.send(postMessage(message.Confirmable, 101, "c1", jsonCF, body))
	_, m = p.recv()
	if m.MessageID != 101 || string(m.Token) != "c1" {
		t.Errorf("next answer %v, want the ACK for mid 101", m.String())
	}
	if n := ts.sink.calls(); n != 2 {
		t.Errorf("sink called %d times, want 2", n)
	}
}

func TestRawRejected(t *testing.T) {
	good := mustJSON(t, sampleBatch("R-L0-S03", 0, 1, time.Now()))
	tests := []struct {
		name string
		msg  message.Message
		code codes.Code
	}{
		{"missing content format", postMessage(message.Confirmable, 1, "a", -1, good), codes.UnsupportedMediaType},
		{"block1", postMessage(message.Confirmable, 2, "b", jsonCF, good, uintOption(message.Block1, 0x0e)), codes.BadOption},
		{"unknown critical option", postMessage(message.Confirmable, 3, "c", jsonCF, good, message.Option{ID: 2049, Value: []byte{1}}), codes.BadOption},
		{"unknown elective option", postMessage(message.Confirmable, 4, "d", jsonCF, good, message.Option{ID: 2048, Value: []byte{1}}), codes.Changed},
		{"accept text", postMessage(message.Confirmable, 5, "e", jsonCF, good, uintOption(message.Accept, uint32(message.TextPlain))), codes.NotAcceptable},
		{"accept cbor", postMessage(message.Confirmable, 6, "f", jsonCF, good, uintOption(message.Accept, uint32(message.AppCBOR))), codes.Changed},
		{"no path", message.Message{Type: message.Confirmable, Code: codes.POST, MessageID: 7, Token: message.Token("g")}, codes.NotFound},
	}
	ts := startServer(t, Config{})
	p := newRawPeer(t, ts.addr)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.t = t
			p.send(tt.msg)
			_, m := p.recv()
			if m.Code != tt.code || m.MessageID != tt.msg.MessageID {
				t.Errorf("got %v, want %v for mid %d", m.String(), tt.code, tt.msg.MessageID)
			}
		})
	}
}

func TestUnexpectedMessages(t *testing.T) {
	ts := startServer(t, Config{})
	p := newRawPeer(t, ts.addr)
	// An unsolicited ACK carrying a response is ignored ...
	p.send(message.Message{Type: message.Acknowledgement, Code: codes.Content, MessageID: 20, Token: message.Token("x")})
	// ... and a CON response (we never asked) is rejected with a Reset.
	p.send(message.Message{Type: message.Confirmable, Code: codes.Content, MessageID: 21, Token: message.Token("y")})
	_, m := p.recv()
	if m.Type != message.Reset || m.MessageID != 21 || m.Code != codes.Empty {
		t.Errorf("got %v, want Reset for mid 21", m.String())
	}
	// A CoAP ping (empty CON) still gets go-coap's Reset pong.
	p.send(message.Message{Type: message.Confirmable, Code: codes.Empty, MessageID: 22})
	_, m = p.recv()
	if m.MessageID != 22 || m.Code != codes.Empty {
		t.Errorf("ping answered %v, want an empty message for mid 22", m.String())
	}
	if n := ts.sink.calls(); n != 0 {
		t.Errorf("sink called %d times", n)
	}
}

// jsonCF is message.AppJSON as the int postMessage takes.
var jsonCF = int(message.AppJSON)

func TestTooLargeCarriesSize1(t *testing.T) {
	ts := startServer(t, Config{MaxBodyBytes: 1000})
	body := mustJSON(t, sampleBatch("R-L0-S03", 0, 50, time.Now()))
	p := newRawPeer(t, ts.addr)
	p.send(postMessage(message.Confirmable, 1, "z", jsonCF, body))
	_, m := p.recv()
	size1, err := m.Options.GetUint32(message.Size1)
	if m.Code != codes.RequestEntityTooLarge || err != nil || size1 != 1000 {
		t.Errorf("got %v with Size1 %d (%v), want 4.13 with Size1 1000", m.Code, size1, err)
	}
}

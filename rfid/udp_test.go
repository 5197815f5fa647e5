package rfid

import (
	"bytes"
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/location"
	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/codes"
	"github.com/plgd-dev/go-coap/v3/net/blockwise"
	"github.com/plgd-dev/go-coap/v3/options"
	"github.com/plgd-dev/go-coap/v3/udp"
)

// gatedSink holds every batch until the test releases it, so a test knows
// which batches are in flight; a batch whose context ends first fails.
type gatedSink struct {
	rec     *recordingSink
	entered chan struct{}
	release chan struct{}
}

func newGatedSink(rec *recordingSink) *gatedSink {
	return &gatedSink{rec: rec, entered: make(chan struct{}, 1024), release: make(chan struct{}, 1024)}
}

func (g *gatedSink) Ingest(ctx context.Context, ss []location.Sighting) (int, error) {
	g.entered <- struct{}{}
	select {
	case <-g.release:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	return g.rec.Ingest(ctx, ss)
}

// hostileDatagrams are datagrams go-coap's codec refuses: too short, wrong
// version, token length over 8, truncated token, reserved option delta,
// reserved option length.
var hostileDatagrams = [][]byte{
	{0x00},
	{0x40, 0x02, 0x00},
	{0x80, 0x02, 0x12, 0x34},
	{0x49, 0x02, 0x12, 0x34, 1, 2, 3, 4, 5, 6, 7, 8, 9},
	{0x44, 0x02, 0x12, 0x34, 1, 2},
	{0x40, 0x02, 0x12, 0x34, 0xf0},
	{0x40, 0x02, 0x12, 0x34, 0x1f},
}

// TestHostileDatagramsFromReaderEndpoint interleaves garbage with batches
// on one reader's socket (issue 14: 13 one-byte datagrams among 130
// batches gave 10 retransmissions and 6 spurious 5.03 through go-coap's
// UDP server): each garbage datagram arrives while ten batches of the
// same endpoint are inside the Sink; every batch must still be answered
// 2.04 once, with no retransmission and no 5.03.
func TestHostileDatagramsFromReaderEndpoint(t *testing.T) {
	const rounds, perRound = 13, 10
	var gate *gatedSink
	ts := startServerWith(t, Config{ReadGoroutines: perRound + 4}, func(r *recordingSink) Sink {
		gate = newGatedSink(r)
		return gate
	})
	raddr, err := net.ResolveUDPAddr("udp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	sock, err := net.DialUDP("udp", nil, raddr)
	if err != nil {
		t.Fatal(err)
	}
	// One socket: go-coap's client posts on it and the garbage leaves from
	// the same address and port.
	cc := udp.Client(sock, options.WithBlockwise(false, blockwise.SZX1024, time.Second),
		// NSTART 10 and no client-side limit below it: ten batches in flight.
		options.WithTransmission(perRound, 2*time.Second, 4),
		options.WithLimitClientParallelRequest(perRound), options.WithLimitClientEndpointParallelRequest(perRound))
	defer cc.Close()

	now := time.Now()
	for round := range rounds {
		var wg sync.WaitGroup
		codesGot := make([]codes.Code, perRound)
		for i := range perRound {
			body := mustCBOR(t, sampleBatch("R-L0-S03", uint64(round*perRound+i+1), 5, now))
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				resp, err := cc.Post(ctx, SightingsPath, message.AppCBOR, bytes.NewReader(body))
				if err != nil {
					t.Errorf("round %d batch %d: %v", round, i, err)
					return
				}
				codesGot[i] = resp.Code()
			})
		}
		for range perRound {
			<-gate.entered
		}
		if _, err := sock.Write(hostileDatagrams[round%len(hostileDatagrams)]); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the garbage datagram to be read", func() bool {
			return metricValue(t, ts.metrics.invalid) == float64(round+1)
		})
		for range perRound {
			gate.release <- struct{}{}
		}
		wg.Wait()
		for i, c := range codesGot {
			if c != codes.Changed {
				t.Errorf("round %d batch %d answered %v, want 2.04", round, i, c)
			}
		}
	}
	if n := ts.sink.calls(); n != rounds*perRound {
		t.Errorf("sink took %d batches, want %d", n, rounds*perRound)
	}
	for _, kind := range []string{dupRetransmission, dupInFlight} {
		if n := metricValue(t, ts.metrics.duplicates.WithLabelValues(kind)); n != 0 {
			t.Errorf("duplicates{%s} = %v, want 0: the client retransmitted", kind, n)
		}
	}
	if n := metricValue(t, ts.metrics.batches.WithLabelValues("5.03")); n != 0 {
		t.Errorf("%v batches answered 5.03, want 0", n)
	}
}

// TestSynchronisedBurst has many readers post one CBOR batch of 100
// sightings each in the same few milliseconds, as readers synchronised on
// the whole second do: every batch is answered 2.04 the first time, and
// the kernel dropped nothing.
func TestSynchronisedBurst(t *testing.T) {
	const readers, perBatch = 600, 100
	ts := startServer(t, Config{})
	now := time.Now()
	peers := make([]*rawPeer, readers)
	datagrams := make([][]byte, readers)
	total := 0
	for i := range peers {
		peers[i] = newRawPeer(t, ts.addr)
		body := mustCBOR(t, sampleBatch([]string{"R-L0-S03", "R-L0-S02", "R-L1-N01"}[i%3], uint64(i+1), perBatch, now))
		m := postMessage(message.Confirmable, int32(i), "b", int(message.AppCBOR), body)
		buf, err := encodeMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		datagrams[i], total = buf, total+len(buf)
	}
	if granted, ok := gathered(t, ts.reg, "rtls_rfid_udp_read_buffer_bytes"); ok && granted < float64(2*total) {
		t.Skipf("the kernel granted a %v-byte receive buffer, under twice the burst's %d bytes: raise net.core.rmem_max", granted, total)
	}
	for i, p := range peers {
		if _, err := p.conn.Write(datagrams[i]); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range peers {
		if _, m := p.recv(); m.Code != codes.Changed || m.MessageID != int32(i) {
			t.Fatalf("reader %d answered %v, want 2.04 for mid %d", i, m.String(), i)
		}
	}
	if got := len(ts.sink.all()); got != readers*perBatch {
		t.Errorf("sink got %d sightings, want %d", got, readers*perBatch)
	}
	if drops, ok := gathered(t, ts.reg, "rtls_rfid_udp_kernel_drops_total"); ok && drops != 0 {
		t.Errorf("kernel dropped %v datagrams", drops)
	}
}

// TestStaleWhileSaturated: while every goroutine reading the plain UDP
// listener is busy, a batch whose sightings are all older than StaleAfter
// waited in rtlsd's socket: it is answered 5.03 with Max-Age 1 (the reader
// backs off) without reaching the Sink. The same batch when a goroutine is
// free goes to the Sink as ever (a reader sending what it kept during an
// outage is not refused), and so does a fresh batch while saturated.
func TestStaleWhileSaturated(t *testing.T) {
	var gate *gatedSink
	ts := startServerWith(t, Config{ReadGoroutines: 2, StaleAfter: 1500 * time.Millisecond}, func(r *recordingSink) Sink {
		gate = newGatedSink(r)
		return gate
	})
	now := time.Now()
	stale := mustCBOR(t, sampleBatch("R-L0-S03", 2, 3, now.Add(-10*time.Second)))
	inFlight := func(body []byte) chan reply {
		out := make(chan reply, 1)
		go func() { out <- post(t, ts.addr, SightingsPath, message.AppCBOR, body) }()
		select {
		case <-gate.entered:
		case r := <-out:
			t.Fatalf("answered %v without reaching the Sink", r.code)
		}
		return out
	}
	first := inFlight(mustCBOR(t, sampleBatch("R-L0-S03", 1, 3, now))) // one goroutine busy in the Sink
	// the second goroutine reads the stale batch: both busy
	cc := dial(t, ts.addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	resp, err := cc.Post(ctx, SightingsPath, message.AppCBOR, bytes.NewReader(stale))
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	maxAge, _ := resp.Options().GetUint32(message.MaxAge)
	if resp.Code() != codes.ServiceUnavailable || maxAge != 1 {
		t.Errorf("stale batch while saturated: %v with Max-Age %d, want 5.03 with Max-Age 1", resp.Code(), maxAge)
	}
	cc.Close()
	if got := metricValue(t, ts.metrics.behind); got != 1 {
		t.Errorf("behind_refused_total = %v, want 1", got)
	}
	gate.release <- struct{}{}
	if r := <-first; r.code != codes.Changed {
		t.Fatalf("first batch: %v, want 2.04", r.code)
	}
	// a goroutine free: the stale batch goes to the Sink. A goroutine
	// counts as busy until it has sent its answer, so the test waits for
	// both to be counted free, not for the answers alone.
	waitFor(t, "the reading goroutines free", func() bool { return ts.ingest.busy.Load() == 0 })
	again := inFlight(stale)
	gate.release <- struct{}{}
	if r := <-again; r.code != codes.Changed {
		t.Errorf("stale batch with a goroutine free: %v, want 2.04", r.code)
	}
	if n := ts.sink.calls(); n != 2 {
		t.Errorf("sink took %d batches, want 2", n)
	}
}

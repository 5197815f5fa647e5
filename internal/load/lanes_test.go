package load

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/plgd-dev/go-coap/v3/message/codes"

	"github.com/hospitalrtls/rtls/internal/testlog"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/rfid"
)

type anyReader struct{}

func (anyReader) Known(string) bool { return true }

type nopSink struct{}

func (nopSink) Ingest(context.Context, []location.Sighting) (int, error) { return 0, nil }

// refuseFirst refuses its first n batches (5.03, Max-Age 1), then takes them.
type refuseFirst struct {
	mu sync.Mutex
	n  int
}

func (r *refuseFirst) Ingest(context.Context, []location.Sighting) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n > 0 {
		r.n--
		return 0, rfid.RetryAfter(errors.New("engine behind"), time.Second)
	}
	return 0, nil
}

// serveCoAP serves rfid on addr (":0" for any port) until stop is called.
func serveCoAP(t *testing.T, addr string) (bound string, stop func()) {
	t.Helper()
	return serveCoAPTo(t, addr, nopSink{})
}

// serveCoAPTo is serveCoAP handing the batches to sink.
func serveCoAPTo(t *testing.T, addr string, sink rfid.Sink) (bound string, stop func()) {
	t.Helper()
	srv, err := rfid.NewServer(rfid.Config{Logger: testlog.Logger()}, sink, anyReader{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.ListenUDP("udp", ua)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = srv.Close()
			if err := <-done; !errors.Is(err, rfid.ErrServerClosed) {
				t.Errorf("Serve: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return l.LocalAddr().String(), stop
}

// TestLanesReconnect: an endpoint keeps posting across a restart of the
// server on the same port: while it is away batches get no answer, and
// once it is back an endpoint dialled again is answered 2.04.
func TestLanesReconnect(t *testing.T) {
	addr, stop := serveCoAP(t, "127.0.0.1:0")
	out := make(chan outcome, 64)
	ls := newLanes(addr, 1, time.Minute, func(o outcome) { out <- o })
	defer ls.close()
	ctx := context.Background()
	now := time.Now().UnixMilli()
	batch := func(seq uint64) rfid.Batch {
		return rfid.Batch{Reader: "R1", Seq: seq, Sightings: []rfid.WireSighting{{TS: now, Tag: "T1", RSSI: -60}}}
	}
	seq := uint64(0)
	post := func() outcome {
		seq++
		if err := ls.send(ctx, batch(seq), 0); err != nil {
			t.Fatal(err)
		}
		return <-out
	}
	if o := post(); o.code != codes.Changed {
		t.Fatalf("before the restart: %+v, want 2.04", o)
	}
	stop()
	// The server is away: the next batches get no answer (ICMP port
	// unreachable closes go-coap's connection, or the post times out).
	if o := post(); o.code != 0 {
		t.Fatalf("server away: %+v, want no answer", o)
	}
	serveCoAP(t, addr)
	deadline := time.Now().Add(20 * time.Second)
	for o := post(); o.code != codes.Changed; o = post() {
		if time.Now().After(deadline) {
			t.Fatalf("no 2.04 within 20 s of the restart (last %+v)", o)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := ls.reconnects.Load(); n < 1 {
		t.Errorf("reconnects %d, want at least 1", n)
	}
}

// TestLanesRetryAfterMaxAge: a batch answered 5.03 is posted again after
// the answer's Max-Age, as a reader does, while its sightings are young
// enough for the engine; one that would be too old by then is given up
// (counted refused), and one already too old is not posted (unsent).
func TestLanesRetryAfterMaxAge(t *testing.T) {
	addr, _ := serveCoAPTo(t, "127.0.0.1:0", &refuseFirst{n: 2})
	out := make(chan outcome, 64)
	ls := newLanes(addr, 1, time.Minute, func(o outcome) { out <- o })
	now := time.Now()
	ls.clock = func() time.Time { return now }
	defer ls.close()
	ctx := context.Background()
	batch := func(seq uint64, ts time.Time) rfid.Batch {
		return rfid.Batch{Reader: "R1", Seq: seq, Sightings: []rfid.WireSighting{{TS: ts.UnixMilli(), Tag: "T1", RSSI: -60}}}
	}
	if err := ls.send(ctx, batch(1, now.Add(-2*time.Minute)), 0); err != nil {
		t.Fatal(err)
	}
	if o := <-out; !o.unsent {
		t.Fatalf("a batch older than the lateness: %+v, want it given up unsent", o)
	}
	if err := ls.send(ctx, batch(2, now.Add(-time.Minute+time.Second/2)), 0); err != nil {
		t.Fatal(err)
	}
	if o := <-out; o.code != codes.ServiceUnavailable || o.retried {
		t.Fatalf("a batch too old after the Max-Age: %+v, want 5.03, given up", o)
	}
	if err := ls.send(ctx, batch(3, now), 0); err != nil {
		t.Fatal(err)
	}
	if o := <-out; o.code != codes.ServiceUnavailable || !o.retried || o.maxAge != time.Second {
		t.Fatalf("first post: %+v, want 5.03 with Max-Age 1s, posted again", o)
	}
	if o := <-out; o.code != codes.Changed || o.accepted != 1 {
		t.Fatalf("the retry: %+v, want 2.04 accepting 1", o)
	}
}

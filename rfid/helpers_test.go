package rfid

import (
	"bytes"
	"context"
	"errors"
	"math"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/internal/testlog"
	"github.com/hospitalrtls/rtls/location"
	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/codes"
	"github.com/plgd-dev/go-coap/v3/message/pool"
	"github.com/plgd-dev/go-coap/v3/net/blockwise"
	"github.com/plgd-dev/go-coap/v3/options"
	"github.com/plgd-dev/go-coap/v3/udp"
	"github.com/plgd-dev/go-coap/v3/udp/client"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// mapDirectory is a ReaderDirectory backed by a set.
type mapDirectory map[string]bool

func (d mapDirectory) Known(id string) bool { return d[id] }

// testReaders are the readers the test servers know.
var testReaders = mapDirectory{"R-L0-S03": true, "R-L0-S02": true, "R-L1-N01": true}

// recordingSink keeps what it is given; err makes it refuse; late makes
// it report the first late sightings of each batch not taken.
type recordingSink struct {
	mu      sync.Mutex // guards batches, err and late
	batches [][]location.Sighting
	err     error
	late    int
}

func (s *recordingSink) Ingest(_ context.Context, sightings []location.Sighting) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return 0, s.err
	}
	late := min(s.late, len(sightings))
	s.batches = append(s.batches, append([]location.Sighting(nil), sightings[late:]...))
	return late, nil
}

func (s *recordingSink) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.batches)
}

func (s *recordingSink) all() []location.Sighting {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []location.Sighting
	for _, b := range s.batches {
		out = append(out, b...)
	}
	return out
}

func (s *recordingSink) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

// testServer is a Server serving on a random loopback port.
type testServer struct {
	*Server
	addr string
	reg  *prometheus.Registry
	sink *recordingSink
}

func startServer(t testing.TB, cfg Config) *testServer {
	t.Helper()
	return startServerWith(t, cfg, func(r *recordingSink) Sink { return r })
}

// startServerWith starts a test server whose Sink is wrap's, built around
// the recording sink the test server keeps.
func startServerWith(t testing.TB, cfg Config, wrap func(*recordingSink) Sink) *testServer {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testlog.Logger()
	}
	ts := &testServer{reg: prometheus.NewRegistry(), sink: &recordingSink{}}
	srv, err := NewServer(cfg, wrap(ts.sink), testReaders, ts.reg)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	l, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ts.Server, ts.addr = srv, l.LocalAddr().String()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return ts
}

// reply is what a client got back.
type reply struct {
	code   codes.Code
	format int // -1 when absent
	body   []byte
}

// post sends one confirmable POST with a real go-coap client.
func post(t testing.TB, addr, path string, format message.MediaType, body []byte) reply {
	t.Helper()
	cc := dial(t, addr)
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := cc.Post(ctx, path, format, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	return toReply(t, resp)
}

// get sends one confirmable GET.
func get(t testing.TB, addr, path string) reply {
	t.Helper()
	cc := dial(t, addr)
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := cc.Get(ctx, path)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	return toReply(t, resp)
}

// dial connects a go-coap client that sends whole bodies (no Block1).
func dial(t testing.TB, addr string) *client.Conn {
	t.Helper()
	cc, err := udp.Dial(addr, options.WithBlockwise(false, blockwise.SZX1024, time.Second))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	return cc
}

func toReply(t testing.TB, resp *pool.Message) reply {
	t.Helper()
	var err error
	r := reply{code: resp.Code(), format: -1}
	if cf, err := resp.ContentFormat(); err == nil {
		r.format = int(cf)
	}
	if r.body, err = resp.ReadBody(); err != nil {
		t.Fatalf("read body: %v", err)
	}
	return r
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func nan() float64 { return math.NaN() }

// metricValue reads a counter or gauge.
func metricValue(t testing.TB, m prometheus.Metric) float64 {
	t.Helper()
	var out dto.Metric
	if err := m.Write(&out); err != nil {
		t.Fatalf("read metric: %v", err)
	}
	switch {
	case out.Counter != nil:
		return out.Counter.GetValue()
	case out.Gauge != nil:
		return out.Gauge.GetValue()
	}
	t.Fatalf("metric %v is neither counter nor gauge", m.Desc())
	return 0
}

// gathered sums every series of the metric family name in reg; ok is false
// when reg has no such family.
func gathered(t testing.TB, reg *prometheus.Registry, name string) (v float64, ok bool) {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			v += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
		return v, true
	}
	return 0, false
}

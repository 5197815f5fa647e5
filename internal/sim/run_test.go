package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/hospitalrtls/rtls/internal/testlog"
	"github.com/hospitalrtls/rtls/rfid"
	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/codes"
	"github.com/plgd-dev/go-coap/v3/mux"
	coapnet "github.com/plgd-dev/go-coap/v3/net"
	"github.com/plgd-dev/go-coap/v3/options"
	"github.com/plgd-dev/go-coap/v3/udp"
)

// rejectedReader's batches are answered 4.00 by the sink.
const rejectedReader = "R-REJECTED"

// sink is a CoAP server on a loopback port that decodes and keeps batches.
type sink struct {
	addr string
	mu   sync.Mutex // guards batches
	got  []rfid.Batch
	cfs  map[message.MediaType]int
}

func startSink(t *testing.T) *sink {
	t.Helper()
	k := &sink{cfs: map[message.MediaType]int{}}
	r := mux.NewRouter()
	if err := r.Handle(rfid.SightingsPath, mux.HandlerFunc(k.handle)); err != nil {
		t.Fatal(err)
	}
	l, err := coapnet.NewListenUDP("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := udp.NewServer(options.WithMux(r))
	done := make(chan struct{})
	go func() { _ = s.Serve(l); close(done) }()
	t.Cleanup(func() { s.Stop(); <-done; _ = l.Close() })
	k.addr = l.LocalAddr().String()
	return k
}

func (k *sink) handle(w mux.ResponseWriter, req *mux.Message) {
	cf, _ := req.ContentFormat()
	body, err := io.ReadAll(req.Body())
	var b rfid.Batch
	if err == nil {
		if cf == message.AppCBOR {
			err = cbor.Unmarshal(body, &b)
		} else {
			err = json.Unmarshal(body, &b)
		}
	}
	code := codes.Changed
	if err != nil || b.Reader == rejectedReader {
		code = codes.BadRequest
	} else {
		k.mu.Lock()
		k.got = append(k.got, b)
		k.cfs[cf]++
		k.mu.Unlock()
	}
	_ = w.SetResponse(code, message.TextPlain, bytes.NewReader(nil))
}

func TestRunPostsBatches(t *testing.T) {
	plan := demoPlan(t)
	for _, c := range []struct {
		f        Format
		batchMax int
	}{{FormatJSON, 16}, {FormatCBOR, 40}} {
		f := c.f
		t.Run(fmt.Sprintf("%s/max=%d", f, c.batchMax), func(t *testing.T) {
			k := startSink(t)
			var final Stats
			cfg := RunConfig{
				Addr: k.addr, Tags: Generate(demoTags(), 300), Sim: DefaultConfig(1),
				Batch:  BatchConfig{MaxSightings: c.batchMax},
				Format: f, Duration: 2 * time.Second, Speedup: 5, Conns: 4,
				Tick: 50 * time.Millisecond, Report: func(s Stats) { final = s },
			}
			if err := Run(context.Background(), cfg, plan, testlog.Logger()); err != nil {
				t.Fatal(err)
			}
			k.mu.Lock()
			defer k.mu.Unlock()
			if len(k.got) == 0 || final.Responses["2.04"] != uint64(len(k.got)) || final.Batches != uint64(len(k.got)) {
				t.Fatalf("server got %d batches; client stats %+v", len(k.got), final)
			}
			want := message.AppJSON
			if f == FormatCBOR {
				want = message.AppCBOR
			}
			if k.cfs[want] != len(k.got) {
				t.Errorf("content formats %v, want all %v", k.cfs, want)
			}
			checkSeqs(t, k.got, c.batchMax)
		})
	}
}

// checkSeqs: each reader's batches arrive in order, numbered 1, 2, 3...
func checkSeqs(t *testing.T, got []rfid.Batch, batchMax int) {
	t.Helper()
	next := map[string]uint64{}
	n, biggest := 0, 0
	for _, b := range got {
		if _, ok := next[b.Reader]; !ok {
			next[b.Reader] = 1
		}
		if b.Seq != next[b.Reader] {
			t.Fatalf("reader %s: seq %d, want %d", b.Reader, b.Seq, next[b.Reader])
		}
		next[b.Reader]++
		n += len(b.Sightings)
		if len(b.Sightings) == 0 || len(b.Sightings) > batchMax {
			t.Fatalf("batch of %d sightings, want 1 to %d", len(b.Sightings), batchMax)
		}
		biggest = max(biggest, len(b.Sightings))
	}
	if biggest != batchMax {
		t.Errorf("largest batch %d sightings, want some of %d", biggest, batchMax)
	}
	if len(next) < 10 || n == 0 {
		t.Errorf("%d readers, %d sightings: expected many", len(next), n)
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	k := startSink(t)
	ctx, cancel := context.WithCancel(context.Background())
	cfg := RunConfig{Addr: k.addr, Tags: demoTags(), Sim: DefaultConfig(1), Tick: 20 * time.Millisecond,
		Report: func(Stats) { cancel() }, ReportEvery: 200 * time.Millisecond}
	if err := Run(ctx, cfg, demoPlan(t), testlog.Logger()); err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
}

func TestRunRejects(t *testing.T) {
	plan := demoPlan(t)
	for _, c := range []struct {
		name string
		cfg  RunConfig
		want error
	}{
		{"no addr", RunConfig{Tags: demoTags(), Sim: DefaultConfig(1)}, ErrConfig},
		{"bad format", RunConfig{Addr: "127.0.0.1:9", Format: "xml", Tags: demoTags(), Sim: DefaultConfig(1)}, ErrFormat},
		{"negative speedup", RunConfig{Addr: "127.0.0.1:9", Speedup: -1, Tags: demoTags(), Sim: DefaultConfig(1)}, ErrConfig},
		{"no tags", RunConfig{Addr: "127.0.0.1:9", Sim: DefaultConfig(1)}, ErrTags},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := Run(context.Background(), c.cfg, plan, testlog.Logger()); !errorsIs(err, c.want) {
				t.Errorf("Run: %v, want %v", err, c.want)
			}
		})
	}
}

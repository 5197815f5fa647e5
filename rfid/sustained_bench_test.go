package rfid

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"github.com/hospitalrtls/rtls/internal/cputime"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/internal/testlog"
	"github.com/hospitalrtls/rtls/location"
	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/pool"
	coapNet "github.com/plgd-dev/go-coap/v3/net"
	"github.com/plgd-dev/go-coap/v3/net/blockwise"
	"github.com/plgd-dev/go-coap/v3/net/responsewriter"
	"github.com/plgd-dev/go-coap/v3/options"
	"github.com/plgd-dev/go-coap/v3/udp"
	"github.com/plgd-dev/go-coap/v3/udp/client"
)

// Load shape of BenchmarkSustainedIngest: a few gateways (endpoints), each
// keeping a window of confirmable batches in flight, like busy readers
// behind a gateway. An endpoint never reuses a message id (RFC 7252): after
// 65536 messages it moves to a new port.
const (
	benchEndpoints = 16
	benchWindow    = 8
	benchSightings = 10
)

// BenchmarkSustainedIngest drives confirmable batches at two servers in turn
// for the same time and reports the acknowledged rate per interval: go-coap's
// stock UDP server (the baseline, whose response cache decays: upstream issue
// #586) and ours. Both run the same ingest handler; only the message layer
// differs. Selected explicitly it runs 60 s per server in 10 s intervals:
//
//	go test -run='^$' -bench=SustainedIngest -benchtime=1x ./rfid
//
// Under -bench=. it runs a 3 s smoke version.
func BenchmarkSustainedIngest(b *testing.B) {
	duration, interval := 3*time.Second, time.Second
	if sustainedSelected() {
		duration, interval = 60*time.Second, 10*time.Second
	}
	servers := []struct {
		name  string
		start func(testing.TB, Sink) (string, func())
	}{
		{"stock", startStockServer},
		{"rfid", startBenchServer},
	}
	runs := make([]loadRun, len(servers))
	for i, s := range servers {
		runtime.GC()
		sink := &countingSink{}
		addr, stop := s.start(b, sink)
		runs[i] = driveLoad(b, addr, duration, interval)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		stop()
		b.Logf("%s: %d sightings ingested; %d answers other than 2.04, %d requests unanswered after 500 ms; heap in use %d MiB",
			s.name, sink.n.Load(), runs[i].other, runs[i].lost, ms.HeapInuse>>20)
	}
	reportRates(b, interval, servers[0].name, servers[1].name, runs[0], runs[1])
}

// loadRun is what driveLoad measured in each interval: acknowledged
// requests per second and process CPU (server and load generator) per
// acknowledged request. CPU per request does not depend on what else runs
// on the machine; the rate does.
type loadRun struct {
	rate   []float64
	cpuPer []time.Duration
	other  int64 // answers other than 2.04
	lost   int64 // requests unanswered after 500 ms (or not sent)
}

// loadCounters are the load generator's tallies.
type loadCounters struct{ ok, other, lost atomic.Int64 }

func sustainedSelected() bool {
	f := flag.Lookup("test.bench")
	return f != nil && strings.Contains(f.Value.String(), "SustainedIngest")
}

func reportRates(b *testing.B, interval time.Duration, baseName, oursName string, base, ours loadRun) {
	var table strings.Builder
	fmt.Fprintf(&table, "\n%10s | %12s %12s | %12s %12s | %10s %10s\n", "interval",
		baseName+" req/s", "cpu/req", oursName+" req/s", "cpu/req", "rate ratio", "cpu ratio")
	for i := range base.rate {
		end := time.Duration(i+1) * interval
		fmt.Fprintf(&table, "%10s | %12.0f %12v | %12.0f %12v | %10.2f %10.2f\n", fmt.Sprintf("%v-%v", end-interval, end),
			base.rate[i], base.cpuPer[i], ours.rate[i], ours.cpuPer[i],
			ours.rate[i]/max(base.rate[i], 1), float64(base.cpuPer[i])/max(float64(ours.cpuPer[i]), 1))
		secs := int(end.Seconds())
		b.ReportMetric(base.rate[i], fmt.Sprintf("%s_%02ds_req/s", baseName, secs))
		b.ReportMetric(ours.rate[i], fmt.Sprintf("%s_%02ds_req/s", oursName, secs))
		b.ReportMetric(float64(base.cpuPer[i].Microseconds()), fmt.Sprintf("%s_%02ds_cpu-us/req", baseName, secs))
		b.ReportMetric(float64(ours.cpuPer[i].Microseconds()), fmt.Sprintf("%s_%02ds_cpu-us/req", oursName, secs))
	}
	last := len(base.rate) - 1
	b.ReportMetric(ours.rate[last]/max(base.rate[last], 1), "last_rate_ratio")
	b.ReportMetric(ours.rate[last]/max(ours.rate[0], 1), oursName+"_last/first")
	b.ReportMetric(base.rate[last]/max(base.rate[0], 1), baseName+"_last/first")
	b.Log(table.String())
}

// countingSink counts what it is given.
type countingSink struct{ n atomic.Int64 }

func (s *countingSink) Ingest(_ context.Context, sightings []location.Sighting) (int, error) {
	s.n.Add(int64(len(sightings)))
	return 0, nil
}

func listenLoopback(tb testing.TB) *net.UDPConn {
	tb.Helper()
	l, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// startBenchServer starts our Server.
func startBenchServer(tb testing.TB, sink Sink) (string, func()) {
	s, err := NewServer(Config{Logger: testlog.Logger()}, sink, testReaders, nil)
	if err != nil {
		tb.Fatal(err)
	}
	l := listenLoopback(tb)
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	return l.LocalAddr().String(), func() {
		_ = s.Close()
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			tb.Errorf("Serve: %v", err)
		}
	}
}

// startStockServer serves the same ingest through go-coap's own message
// layer: its handler and its response cache.
func startStockServer(tb testing.TB, sink Sink) (string, func()) {
	s, err := NewServer(Config{Logger: testlog.Logger()}, sink, testReaders, nil)
	if err != nil {
		tb.Fatal(err)
	}
	handler := func(w *responsewriter.ResponseWriter[*client.Conn], r *pool.Message) {
		resp := s.serveSafely(r.Context(), r, "")
		if err := w.SetResponse(resp.code, resp.format, bytes.NewReader(resp.body)); err != nil {
			tb.Errorf("set response: %v", err)
		}
	}
	srv := udp.NewServer(options.WithHandlerFunc(handler), options.WithBlockwise(false, blockwise.SZX1024, time.Second),
		options.WithErrors(func(error) {}))
	l := listenLoopback(tb)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(coapNet.NewUDPConn("udp", l)) }()
	return l.LocalAddr().String(), func() {
		srv.Stop()
		if err := <-done; err != nil {
			tb.Errorf("stock Serve: %v", err)
		}
	}
}

// driveLoad runs the load for duration and measures each interval.
func driveLoad(tb testing.TB, addr string, duration, interval time.Duration) loadRun {
	raddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	body := mustJSON(tb, sampleBatch("R-L0-S03", 0, benchSightings, time.Now()))
	template, err := encodeMessage(postMessage(message.Confirmable, 0, "bnch", jsonCF, body))
	if err != nil {
		tb.Fatal(err)
	}
	var c loadCounters
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range benchEndpoints {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runEndpoint(raddr, template, stop, &c)
		}()
	}
	var run loadRun
	start, prevCPU, prev := time.Now(), cputime.Process(), int64(0)
	for i := 1; i <= int(duration/interval); i++ {
		time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		n, cpu := c.ok.Load(), cputime.Process()
		run.rate = append(run.rate, float64(n-prev)/interval.Seconds())
		run.cpuPer = append(run.cpuPer, (cpu-prevCPU)/time.Duration(max(n-prev, 1)))
		prev, prevCPU = n, cpu
	}
	close(stop)
	wg.Wait()
	run.other, run.lost = c.other.Load(), c.lost.Load()
	return run
}

// runEndpoint is one gateway: it keeps benchWindow CONs in flight on one
// socket, counting 2.04 ACKs; a request unanswered for 500 ms is lost.
func runEndpoint(raddr *net.UDPAddr, template []byte, stop <-chan struct{}, c *loadCounters) {
	msg := append([]byte(nil), template...)
	in := make([]byte, 2048)
	for {
		conn, err := net.DialUDP("udp", nil, raddr)
		if err != nil {
			c.lost.Add(1)
			return
		}
		done := runSocket(conn, msg, in, stop, c)
		_ = conn.Close()
		if done {
			return
		}
	}
}

// runSocket sends up to 65536 message ids on conn; true when told to stop.
func runSocket(conn *net.UDPConn, msg, in []byte, stop <-chan struct{}, c *loadCounters) bool {
	inflight := 0
	for mid := 0; mid < 1<<16 || inflight > 0; {
		select {
		case <-stop:
			return true
		default:
		}
		for ; inflight < benchWindow && mid < 1<<16; inflight++ {
			binary.BigEndian.PutUint16(msg[2:4], uint16(mid))
			mid++
			if _, err := conn.Write(msg); err != nil {
				c.lost.Add(1)
			}
		}
		_ = conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		n, err := conn.Read(in)
		if err != nil { // timeout: count the window as lost and go on
			c.lost.Add(int64(inflight))
			inflight = 0
			continue
		}
		inflight = max(inflight-1, 0) // a late answer after a timeout
		if n >= 2 && in[1] == 0x44 {  // code 2.04 Changed
			c.ok.Add(1)
		} else {
			c.other.Add(1)
		}
	}
	return false
}

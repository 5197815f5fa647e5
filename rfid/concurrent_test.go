package rfid

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/codes"
	"github.com/plgd-dev/go-coap/v3/udp"

	"github.com/hospitalrtls/rtls/internal/testlog"
)

// TestConcurrentReaders posts from several clients at once (run with -race).
func TestConcurrentReaders(t *testing.T) {
	const clients, batches, perBatch = 8, 20, 5
	ts := startServer(t, Config{})
	now := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := range clients {
		cc := dial(t, ts.addr)
		defer cc.Close()
		reader := []string{"R-L0-S03", "R-L0-S02", "R-L1-N01"}[c%3]
		bodies := make([][]byte, batches)
		for i := range bodies {
			bodies[i] = mustJSON(t, sampleBatch(reader, uint64(c*1000+i+1), perBatch, now))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, body := range bodies {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				resp, err := cc.Post(ctx, SightingsPath, message.AppJSON, bytes.NewReader(body))
				cancel()
				if err != nil {
					errs <- err
					return
				}
				if resp.Code() != codes.Changed {
					errs <- fmt.Errorf("client %d batch %d: %v", c, i, resp.Code())
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got, want := len(ts.sink.all()), clients*batches*perBatch; got != want {
		t.Errorf("sink got %d sightings, want %d", got, want)
	}
	if got := metricValue(t, ts.metrics.accepted); got != clients*batches*perBatch {
		t.Errorf("accepted counter %v", got)
	}
}

func TestListenAndServe(t *testing.T) {
	srv, err := NewServer(Config{Addr: "127.0.0.1:0", Logger: testlog.Logger()}, &recordingSink{}, testReaders, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe(ctx) }()
	var addr net.Addr
	for addr == nil { // until the listener is up
		select {
		case err := <-done:
			t.Fatalf("ListenAndServe: %v", err)
		default:
			addr = srv.Addr()
			time.Sleep(time.Millisecond)
		}
	}
	if r := post(t, addr.String(), SightingsPath, message.AppJSON, mustJSON(t, sampleBatch("R-L0-S03", 1, 1, time.Now()))); r.code != codes.Changed {
		t.Errorf("post got %v", r.code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("ListenAndServe after cancel: %v, want nil", err)
	}
	l, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(l); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve after close: %v, want ErrServerClosed", err)
	}
}

// TestBlockwiseClientRefused: block-wise transfer is not implemented, so a
// client splitting a large body gets 4.02 Bad Option instead of a batch
// silently assembled from its first block.
func TestBlockwiseClientRefused(t *testing.T) {
	ts := startServer(t, Config{})
	cc, err := udp.Dial(ts.addr) // go-coap's default: block-wise on, 1024-byte blocks
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	body := mustJSON(t, sampleBatch("R-L0-S03", 1, 100, time.Now()))
	resp, err := cc.Post(ctx, SightingsPath, message.AppJSON, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Code() != codes.BadOption || ts.sink.calls() != 0 {
		t.Errorf("got %v with %d sink calls, want 4.02 and none", resp.Code(), ts.sink.calls())
	}
}

package server

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/plgd-dev/go-coap/v3/message"
	coapcodes "github.com/plgd-dev/go-coap/v3/message/codes"
	"github.com/plgd-dev/go-coap/v3/udp"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

// TestBatchLoggedBeforeAck: with Redis, an acknowledged batch is in the
// site's ingest log; a batch the full log cannot take gets 5.03 with
// Max-Age (the reader keeps it and retries), never a 2.04. The clock
// stands still, so the owner's watermark never passes the first batch and
// the log is not trimmed.
func TestBatchLoggedBeforeAck(t *testing.T) {
	t.Parallel()
	rs := redistest.StartServer(t)
	clk := newTestClock()
	s, _ := startWith(t, Config{Floorplans: []string{clinicPlan}, CoAPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0",
		RedisURL: rs.URL(), Site: "log", Tick: 50 * time.Millisecond, Insecure: true, Clock: clk.Now, IngestMaxLen: 1})
	st, err := redisstore.New(context.Background(), redisstore.Options{URL: rs.URL(), Site: "log"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	co, err := udp.Dial(s.CoAPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer co.Close()
	send := func(seq uint64) (coapcodes.Code, uint32) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		resp, err := co.Post(ctx, "/v1/sightings", message.AppJSON, bytes.NewReader(batch("R-L0-S03", seq, -50, clk.Now(), 1)))
		if err != nil {
			t.Fatal(err)
		}
		maxAge, _ := resp.Options().GetUint32(message.MaxAge)
		return resp.Code(), maxAge
	}
	if code, _ := send(1); code != coapcodes.Changed {
		t.Fatalf("first batch: %v; want 2.04", code)
	}
	if n, err := st.IngestLen(context.Background()); err != nil || n != 1 {
		t.Fatalf("log after an acknowledged batch: %d entries, %v; want 1", n, err)
	}
	if code, maxAge := send(2); code != coapcodes.ServiceUnavailable || maxAge == 0 {
		t.Fatalf("batch into a full log: %v, Max-Age %d; want 5.03 with a Max-Age", code, maxAge)
	}
}

package rfid

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/codes"
)

// retryIn is a Sink error asking for a retry delay (Retrier).
type retryIn time.Duration

func (r retryIn) Error() string             { return "engine behind" }
func (r retryIn) RetryAfter() time.Duration { return time.Duration(r) }

// TestUnavailableMaxAge: a batch the engine refuses gets 5.03 with a
// Max-Age telling the reader when to retry: the default, or what the
// Sink's error asks for (rounded up to whole seconds).
func TestUnavailableMaxAge(t *testing.T) {
	for _, c := range []struct {
		err  error
		want uint32
	}{
		{errors.New("pipeline: engine busy"), unavailableMaxAge},
		{retryIn(time.Second), 1},
		{fmt.Errorf("wrapped: %w", retryIn(1500*time.Millisecond)), 2},
		{retryIn(0), 1},
	} {
		if got := unavailableAnswer(t, c.err); got != c.want {
			t.Errorf("%v: Max-Age %d, want %d", c.err, got, c.want)
		}
	}
}

// unavailableAnswer posts a batch to a server whose Sink fails with err
// and returns the Max-Age of its 5.03.
func unavailableAnswer(t *testing.T, sinkErr error) uint32 {
	t.Helper()
	ts := startServer(t, Config{})
	ts.sink.fail(sinkErr)
	cc := dial(t, ts.addr)
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := cc.Post(ctx, SightingsPath, message.AppJSON, bytes.NewReader(mustJSON(t, sampleBatch("R-L0-S03", 9, 2, time.Now()))))
	if err != nil {
		t.Fatal(err)
	}
	maxAge, err := resp.Options().GetUint32(message.MaxAge)
	if resp.Code() != codes.ServiceUnavailable || err != nil {
		t.Fatalf("got %v with Max-Age %d (%v), want 5.03 with a Max-Age", resp.Code(), maxAge, err)
	}
	return maxAge
}

// sheddingSink is a recording sink that sheds while shed is set.
type sheddingSink struct {
	*recordingSink
	shed atomic.Pointer[error]
}

func (s *sheddingSink) Shed() error {
	if e := s.shed.Load(); e != nil {
		return *e
	}
	return nil
}

// TestShedBeforeDecoding: while the Sink sheds (its engine behind), a
// batch is answered 5.03 with the Max-Age it asks for before it is
// decoded or handed on (even a body that would not decode), and counted;
// once it stops, batches are decoded and taken again.
func TestShedBeforeDecoding(t *testing.T) {
	var sink *sheddingSink
	ts := startServerWith(t, Config{}, func(r *recordingSink) Sink {
		sink = &sheddingSink{recordingSink: r}
		var err error = retryIn(time.Second)
		sink.shed.Store(&err)
		return sink
	})
	for _, body := range [][]byte{[]byte("{not json"), mustJSON(t, sampleBatch("R-L0-S03", 9, 2, time.Now()))} {
		cc := dial(t, ts.addr)
		resp, err := cc.Post(t.Context(), SightingsPath, message.AppJSON, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		maxAge, err := resp.Options().GetUint32(message.MaxAge)
		if resp.Code() != codes.ServiceUnavailable || err != nil || maxAge != 1 {
			t.Fatalf("shedding: got %v with Max-Age %d (%v), want 5.03 with Max-Age 1", resp.Code(), maxAge, err)
		}
		cc.Close()
	}
	if n := ts.sink.calls(); n != 0 {
		t.Fatalf("the sink took %d batches while shedding; want 0", n)
	}
	if v, _ := gathered(t, ts.reg, "rtls_rfid_shed_total"); v != 2 {
		t.Fatalf("rtls_rfid_shed_total = %v, want 2", v)
	}
	sink.shed.Store(nil)
	if r := post(t, ts.addr, SightingsPath, message.AppJSON, mustJSON(t, sampleBatch("R-L0-S03", 9, 2, time.Now()))); r.code != codes.Changed {
		t.Fatalf("after shedding: got %v, want 2.04", r.code)
	}
}

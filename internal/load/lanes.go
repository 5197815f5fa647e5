package load

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/codes"
	"github.com/plgd-dev/go-coap/v3/net/blockwise"
	"github.com/plgd-dev/go-coap/v3/options"
	"github.com/plgd-dev/go-coap/v3/udp"
	"github.com/plgd-dev/go-coap/v3/udp/client"

	"github.com/hospitalrtls/rtls/rfid"
)

// Lane bounds.
const (
	laneQueue     = 512             // batches waiting per endpoint
	postTimeout   = 5 * time.Second // one batch, retransmissions included
	redialBackoff = 500 * time.Millisecond
)

// outcome is what became of one post of a batch.
type outcome struct {
	sightings int
	accepted  int           // of them, accepted by a 2.04 (its body's count)
	code      codes.Code    // 0 when no answer came
	ack       time.Duration // post to answer
	unsent    bool          // the lane's queue was full
	maxAge    time.Duration // a 5.03's Max-Age (0 when absent)
	retried   bool          // a 5.03 the batch is posted again after
}

// lanes are the readers' CoAP endpoints: each reader posts from a few
// UDP sockets (several endpoints per reader stand in for the thousands of
// readers of a hospital), each sending one confirmable batch at a time
// (NSTART 1) as readers do. A batch answered 5.03 is posted again after
// the answer's Max-Age (the endpoint sends nothing meanwhile, its next
// batches wait in its queue), as long as its sightings are younger than
// retryWithin: older ones would be too late for the engine, and a queued
// batch that grew that old is given up unsent. A socket
// whose connection go-coap closed (say rtlsd restarted and an ICMP port
// unreachable came back) is dialled again.
type lanes struct {
	addr        string
	perRdr      int
	retryWithin time.Duration
	report      func(outcome)
	clock       func() time.Time // for the age of a batch

	reconnects atomic.Int64 // endpoints dialled again after go-coap closed them

	mu    sync.Mutex // guards byRdr
	byRdr map[string][]chan encoded
	wg    sync.WaitGroup
}

// encoded is one CBOR batch, its number of sightings and the stamp of its
// oldest.
type encoded struct {
	payload []byte
	n       int
	oldest  time.Time
}

func newLanes(addr string, perReader int, retryWithin time.Duration, report func(outcome)) *lanes {
	return &lanes{addr: addr, perRdr: max(perReader, 1), retryWithin: retryWithin, report: report, clock: time.Now, byRdr: map[string][]chan encoded{}}
}

// send encodes b and queues it on one of its reader's endpoints (the k-th
// batch of the second goes to lane k); a full queue counts it unsent.
func (ls *lanes) send(ctx context.Context, b rfid.Batch, k int) error {
	p, err := cbor.Marshal(b)
	if err != nil {
		return fmt.Errorf("load: encode batch: %w", err)
	}
	oldest := int64(math.MaxInt64)
	for _, s := range b.Sightings {
		oldest = min(oldest, s.TS)
	}
	select {
	case ls.of(ctx, b.Reader)[k%ls.perRdr] <- encoded{payload: p, n: len(b.Sightings), oldest: time.UnixMilli(oldest)}:
	default:
		ls.report(outcome{sightings: len(b.Sightings), unsent: true})
	}
	return nil
}

// of returns the queues of reader's endpoints, starting them on first use.
func (ls *lanes) of(ctx context.Context, reader string) []chan encoded {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if l, ok := ls.byRdr[reader]; ok {
		return l
	}
	out := make([]chan encoded, ls.perRdr)
	for i := range out {
		out[i] = make(chan encoded, laneQueue)
		ls.wg.Add(1)
		go ls.work(ctx, out[i])
	}
	ls.byRdr[reader] = out
	return out
}

// work posts one endpoint's batches in order until its queue is closed.
func (ls *lanes) work(ctx context.Context, q chan encoded) {
	defer ls.wg.Done()
	var (
		cc       *client.Conn
		lastDial time.Time
	)
	defer func() {
		if cc != nil {
			_ = cc.Close()
		}
	}()
	for b := range q {
		if ls.clock().Sub(b.oldest) >= ls.retryWithin {
			// waited behind 5.03 back-offs until too late for the
			// engine: the reader gives it up
			ls.report(outcome{sightings: b.n, unsent: true})
			continue
		}
		if cc == nil || cc.Context().Err() != nil {
			if time.Since(lastDial) < redialBackoff {
				ls.report(outcome{sightings: b.n}) // no answer: the server is away
				continue
			}
			lastDial = time.Now()
			if cc != nil {
				_ = cc.Close()
				ls.reconnects.Add(1)
			}
			var err error
			// Errors are counted as outcomes; go-coap would print them.
			cc, err = udp.Dial(ls.addr, options.WithBlockwise(false, blockwise.SZX1024, time.Second), options.WithErrors(func(error) {}))
			if err != nil {
				cc = nil
				ls.report(outcome{sightings: b.n})
				continue
			}
		}
		ls.postRetrying(ctx, cc, b)
	}
}

// postRetrying posts b, and again after each 5.03's Max-Age while its
// sightings are young enough (retryWithin).
func (ls *lanes) postRetrying(ctx context.Context, cc *client.Conn, b encoded) {
	for {
		o := post(ctx, cc, b.payload, b.n)
		if o.code != codes.ServiceUnavailable || ls.clock().Sub(b.oldest)+o.maxAge >= ls.retryWithin {
			ls.report(o)
			return
		}
		o.retried = true
		ls.report(o)
		select {
		case <-time.After(o.maxAge):
		case <-ctx.Done():
			return
		}
	}
}

// post sends one batch and returns its outcome.
func post(ctx context.Context, cc *client.Conn, p []byte, n int) outcome {
	pctx, cancel := context.WithTimeout(ctx, postTimeout)
	defer cancel()
	start := time.Now()
	resp, err := cc.Post(pctx, rfid.SightingsPath, message.AppCBOR, bytes.NewReader(p))
	if err != nil {
		return outcome{sightings: n}
	}
	defer cc.ReleaseMessage(resp)
	o := outcome{sightings: n, code: resp.Code(), ack: time.Since(start)}
	if o.code == codes.ServiceUnavailable {
		// RFC 7252 5.10.5: Max-Age defaults to 60 s
		o.maxAge = 60 * time.Second
		if v, err := resp.Options().GetUint32(message.MaxAge); err == nil {
			o.maxAge = time.Duration(v) * time.Second
		}
	}
	if o.code == codes.Changed {
		// the answer counts the sightings accepted: a 2.04 may report
		// some dropped (a retry come too late, an invalid one)
		var res rfid.Result
		if body, err := resp.ReadBody(); err == nil && cbor.Unmarshal(body, &res) == nil {
			o.accepted = res.Accepted
		}
	}
	return o
}

// close lets the queued batches go out, then stops every lane.
func (ls *lanes) close() {
	ls.mu.Lock()
	for _, qs := range ls.byRdr {
		for _, q := range qs {
			close(q)
		}
	}
	ls.byRdr = map[string][]chan encoded{}
	ls.mu.Unlock()
	ls.wg.Wait()
}

package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/hospitalrtls/rtls/rfid"
	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/codes"
	"github.com/plgd-dev/go-coap/v3/net/blockwise"
	"github.com/plgd-dev/go-coap/v3/options"
	"github.com/plgd-dev/go-coap/v3/udp"
	"github.com/plgd-dev/go-coap/v3/udp/client"
)

// ErrFormat is returned for a payload format other than json or cbor.
var ErrFormat = errors.New("sim: unknown payload format")

// ErrRejected is returned by Sender.Send for a batch the server answered
// with anything but 2.04 Changed.
var ErrRejected = errors.New("sim: batch rejected")

// ErrDropped is returned by Sender.Send for a batch not posted: the
// context ended first, or the sender was closed.
var ErrDropped = errors.New("sim: batch dropped")

// Format is a batch payload encoding.
type Format string

// Payload formats of POST /v1/sightings.
const (
	FormatJSON Format = "json" // content-format 50
	FormatCBOR Format = "cbor" // content-format 60
)

// encode returns b in format f and its CoAP content-format.
func (f Format) encode(b rfid.Batch) ([]byte, message.MediaType, error) {
	switch f {
	case FormatJSON, "":
		p, err := json.Marshal(b)
		return p, message.AppJSON, err
	case FormatCBOR:
		p, err := cbor.Marshal(b)
		return p, message.AppCBOR, err
	}
	return nil, 0, fmt.Errorf("%w %q", ErrFormat, string(f))
}

// Stats counts what a sender did, cumulatively.
type Stats struct {
	Elapsed   time.Duration     // wall time since the start
	Batches   uint64            // batches handed to the network
	Sightings uint64            // sightings in them
	Responses map[string]uint64 // responses by CoAP code ("2.04")
	Errors    uint64            // requests without a response (timeout, network)
	Dropped   uint64            // batches not sent: queue full, context ended, or shutdown
}

// ResponseSummary renders Responses as "2.04=10 4.04=1", codes in order.
func (s Stats) ResponseSummary() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(s.Responses)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, s.Responses[k]))
	}
	return strings.Join(parts, " ")
}

// Sender posts batches to rfid.SightingsPath as confirmable CoAP POSTs over
// a few UDP connections; a reader's batches always take the same
// connection, so they go out in order. With CoAP's NSTART of 1, the number
// of connections bounds the requests in flight. Block-wise transfer is off
// (the rfid server takes whole bodies): a batch is one datagram, however
// large. Enqueue and Send may be called concurrently, not after Close.
type Sender struct {
	format Format
	ctx    context.Context // cancelled by Close to abandon queued batches
	cancel context.CancelFunc
	conns  []*client.Conn
	queues []chan job
	wg     sync.WaitGroup
	closed sync.Once

	mu    sync.Mutex // guards stats
	stats Stats
}

// job is one encoded batch on its way.
type job struct {
	ctx     context.Context // bounds its POST
	payload []byte
	cf      message.MediaType
	n       int         // sightings
	done    func(error) // Send's: called with the outcome; nil for Enqueue
}

// Send queue and request bounds.
const (
	queueLen       = 256
	requestTimeout = 10 * time.Second
)

// Dial opens conns connections (at least one) to the CoAP server at addr;
// batches go out in format.
func Dial(addr string, conns int, format Format) (*Sender, error) {
	if _, _, err := format.encode(rfid.Batch{}); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sender{format: format, ctx: ctx, cancel: cancel}
	s.stats.Responses = map[string]uint64{}
	for range max(conns, 1) {
		c, err := udp.Dial(addr, options.WithBlockwise(false, blockwise.SZX1024, time.Second))
		if err != nil {
			s.Close(0)
			return nil, fmt.Errorf("sim: dial %s: %w", addr, err)
		}
		q := make(chan job, queueLen)
		s.conns, s.queues = append(s.conns, c), append(s.queues, q)
		s.wg.Add(1)
		go s.work(c, q)
	}
	return s, nil
}

// Enqueue encodes b and queues it on its reader's connection without
// waiting: a full queue drops it (counted in Stats.Dropped), so that a
// simulation never waits for the network.
func (s *Sender) Enqueue(b rfid.Batch) error {
	j, err := s.job(s.ctx, b)
	if err != nil {
		return err
	}
	select {
	case s.lane(b.Reader) <- j:
	default:
		s.count(func(st *Stats) { st.Dropped++ })
	}
	return nil
}

// Send posts the batches, in parallel over the connections, and returns
// once every one is answered: how many failed, and their errors joined
// (ErrRejected for an answer other than 2.04, ErrDropped for a batch not
// posted before ctx ended).
func (s *Sender) Send(ctx context.Context, batches []rfid.Batch) (failed int, err error) {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex // guards errs
		errs []error
	)
	done := func(err error) {
		if err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
		wg.Done()
	}
	for _, b := range batches {
		j, err := s.job(ctx, b)
		wg.Add(1)
		if err != nil {
			done(err)
			continue
		}
		j.done = done
		select {
		case s.lane(b.Reader) <- j:
		case <-ctx.Done():
			s.count(func(st *Stats) { st.Dropped++ })
			done(fmt.Errorf("%w: %w", ErrDropped, ctx.Err()))
		}
	}
	wg.Wait()
	return len(errs), errors.Join(errs...)
}

// job encodes b into a job bounded by ctx.
func (s *Sender) job(ctx context.Context, b rfid.Batch) (job, error) {
	p, cf, err := s.format.encode(b)
	if err != nil {
		return job{}, fmt.Errorf("sim: encode batch: %w", err)
	}
	return job{ctx: ctx, payload: p, cf: cf, n: len(b.Sightings)}, nil
}

// lane returns the queue of a reader's connection (FNV-1a of its id).
func (s *Sender) lane(reader string) chan job {
	h := fnv.New32a()
	h.Write([]byte(reader))
	return s.queues[h.Sum32()%uint32(len(s.queues))]
}

// work posts the jobs of one queue in order.
func (s *Sender) work(c *client.Conn, q chan job) {
	defer s.wg.Done()
	for j := range q {
		err := s.post(c, j)
		if j.done != nil {
			j.done(err)
		}
	}
}

// post sends one job and counts the outcome.
func (s *Sender) post(c *client.Conn, j job) error {
	err := j.ctx.Err()
	if err == nil {
		err = s.ctx.Err() // closed
	}
	if err != nil {
		s.count(func(st *Stats) { st.Dropped++ })
		return fmt.Errorf("%w: %w", ErrDropped, err)
	}
	ctx, cancel := context.WithTimeout(j.ctx, requestTimeout)
	defer cancel()
	resp, err := c.Post(ctx, rfid.SightingsPath, j.cf, bytes.NewReader(j.payload))
	if err != nil {
		s.count(func(st *Stats) { st.Batches++; st.Sightings += uint64(j.n); st.Errors++ })
		return fmt.Errorf("sim: post batch of %d sightings: %w", j.n, err)
	}
	defer c.ReleaseMessage(resp)
	code := resp.Code()
	s.count(func(st *Stats) { st.Batches++; st.Sightings += uint64(j.n); st.Responses[codeString(code)]++ })
	if code != codes.Changed {
		reason := ""
		if body := resp.Body(); body != nil {
			b, _ := io.ReadAll(io.LimitReader(body, 200))
			reason = string(b)
		}
		return fmt.Errorf("%w: %s %s", ErrRejected, codeString(code), reason)
	}
	return nil
}

// count updates the counters.
func (s *Sender) count(f func(*Stats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.stats)
}

// Stats returns a copy of the counters.
func (s *Sender) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Responses = maps.Clone(s.stats.Responses)
	return st
}

// Close lets queued batches go out for up to drain, then abandons the rest
// and closes the connections. Calls after the first do nothing.
func (s *Sender) Close(drain time.Duration) {
	s.closed.Do(func() {
		for _, q := range s.queues {
			close(q)
		}
		done := make(chan struct{})
		go func() { s.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(drain):
			s.cancel()
			<-done
		}
		s.cancel()
		for _, c := range s.conns {
			_ = c.Close()
		}
	})
}

// codeString renders a CoAP code as "2.04".
func codeString(c codes.Code) string {
	return fmt.Sprintf("%d.%02d", byte(c)>>5, byte(c)&0x1f)
}

package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
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
	Dropped   uint64            // batches not sent: queue full, or shutdown
}

// ResponseSummary renders Responses as "2.04=10 4.04=1", codes in order.
func (s Stats) ResponseSummary() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(s.Responses)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, s.Responses[k]))
	}
	return strings.Join(parts, " ")
}

// sender posts batches confirmable over a few UDP connections; a reader's
// batches always take the same connection, so they go out in order. With
// CoAP's NSTART of 1, the number of connections bounds the requests in
// flight. Block-wise transfer is off (the rfid server takes whole bodies):
// a batch is one datagram, however large.
type sender struct {
	format  Format
	timeout time.Duration
	ctx     context.Context // cancelled to abandon queued batches
	cancel  context.CancelFunc
	conns   []*client.Conn
	queues  []chan job
	wg      sync.WaitGroup

	mu    sync.Mutex // guards stats
	stats Stats
}

type job struct {
	payload []byte
	cf      message.MediaType
	n       int // sightings
}

// Send queue and request bounds.
const (
	queueLen       = 256
	requestTimeout = 10 * time.Second
)

// newSender dials n connections to addr.
func newSender(addr string, n int, format Format) (*sender, error) {
	if _, _, err := format.encode(rfid.Batch{}); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &sender{format: format, timeout: requestTimeout, ctx: ctx, cancel: cancel}
	s.stats.Responses = map[string]uint64{}
	for range n {
		c, err := udp.Dial(addr, options.WithBlockwise(false, blockwise.SZX1024, time.Second))
		if err != nil {
			s.close(0)
			return nil, fmt.Errorf("sim: dial %s: %w", addr, err)
		}
		q := make(chan job, queueLen)
		s.conns, s.queues = append(s.conns, c), append(s.queues, q)
		s.wg.Add(1)
		go s.work(c, q)
	}
	return s, nil
}

// send encodes b and queues it on its reader's connection; a full queue
// drops it (counted): the simulation never waits for the network.
func (s *sender) send(b rfid.Batch) error {
	p, cf, err := s.format.encode(b)
	if err != nil {
		return fmt.Errorf("sim: encode batch: %w", err)
	}
	h := fnv.New32a()
	h.Write([]byte(b.Reader))
	select {
	case s.queues[h.Sum32()%uint32(len(s.queues))] <- job{payload: p, cf: cf, n: len(b.Sightings)}:
	default:
		s.mu.Lock()
		s.stats.Dropped++
		s.mu.Unlock()
	}
	return nil
}

// work posts the jobs of one queue in order.
func (s *sender) work(c *client.Conn, q chan job) {
	defer s.wg.Done()
	for j := range q {
		if s.ctx.Err() != nil {
			s.mu.Lock()
			s.stats.Dropped++
			s.mu.Unlock()
			continue
		}
		ctx, cancel := context.WithTimeout(s.ctx, s.timeout)
		resp, err := c.Post(ctx, rfid.SightingsPath, j.cf, bytes.NewReader(j.payload))
		cancel()
		s.mu.Lock()
		s.stats.Batches++
		s.stats.Sightings += uint64(j.n)
		if err != nil {
			s.stats.Errors++
		} else {
			s.stats.Responses[codeString(resp.Code())]++
		}
		s.mu.Unlock()
		if err == nil {
			c.ReleaseMessage(resp)
		}
	}
}

// snapshot returns a copy of the counters.
func (s *sender) snapshot() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Responses = maps.Clone(s.stats.Responses)
	return st
}

// close lets queued batches go out for up to drain, then abandons the
// rest and closes the connections.
func (s *sender) close(drain time.Duration) {
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
}

// codeString renders a CoAP code as "2.04".
func codeString(c codes.Code) string {
	return fmt.Sprintf("%d.%02d", byte(c)>>5, byte(c)&0x1f)
}

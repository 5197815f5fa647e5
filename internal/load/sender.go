// Package load drives tags through room changes against a running rtlsd
// with real CoAP batches, watches its event stream over gRPC and measures
// the event rate and the latency from a room change's batches to its ENTER.
package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/codes"
	"github.com/plgd-dev/go-coap/v3/net/blockwise"
	"github.com/plgd-dev/go-coap/v3/options"
	"github.com/plgd-dev/go-coap/v3/udp"
	"github.com/plgd-dev/go-coap/v3/udp/client"

	"github.com/hospitalrtls/rtls/rfid"
)

// ErrRejected is returned by Sender.Send when the server answers a batch
// with anything but 2.04 Changed.
var ErrRejected = errors.New("load: batch rejected")

// requestTimeout bounds one confirmable POST, retransmissions included.
const requestTimeout = 10 * time.Second

// Sender posts batches as confirmable CoAP POSTs over a few UDP
// connections; the batches of one reader always take the same connection,
// so they arrive in order.
type Sender struct {
	conns []*client.Conn
}

// Dial opens conns connections (at least one) to a CoAP address.
func Dial(addr string, conns int) (*Sender, error) {
	s := &Sender{}
	for range max(conns, 1) {
		c, err := udp.Dial(addr, options.WithBlockwise(false, blockwise.SZX1024, time.Second))
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("load: dial %s: %w", addr, err)
		}
		s.conns = append(s.conns, c)
	}
	return s, nil
}

// Close closes the connections.
func (s *Sender) Close() {
	for _, c := range s.conns {
		_ = c.Close()
	}
}

// Send posts the batches, in parallel over the connections, and returns
// once every one is answered: how many failed, and their errors joined
// (ErrRejected for an answer other than 2.04).
func (s *Sender) Send(ctx context.Context, batches []rfid.Batch) (failed int, err error) {
	lanes := make([][]rfid.Batch, len(s.conns))
	for i, b := range batches {
		lane := i % len(s.conns)
		if len(s.conns) > 1 {
			lane = laneOf(b.Reader, len(s.conns))
		}
		lanes[lane] = append(lanes[lane], b)
	}
	errs := make([][]error, len(s.conns))
	var wg sync.WaitGroup
	for i, lane := range lanes {
		wg.Go(func() {
			for _, b := range lane {
				if err := s.post(ctx, s.conns[i], b); err != nil {
					errs[i] = append(errs[i], err)
				}
			}
		})
	}
	wg.Wait()
	var all []error
	for _, e := range errs {
		all = append(all, e...)
	}
	return len(all), errors.Join(all...)
}

func (s *Sender) post(ctx context.Context, c *client.Conn, b rfid.Batch) error {
	body, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("load: encode batch: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	resp, err := c.Post(ctx, rfid.SightingsPath, message.AppJSON, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("load: post batch of %d sightings: %w", len(b.Sightings), err)
	}
	defer c.ReleaseMessage(resp)
	if resp.Code() != codes.Changed {
		reason := ""
		if body := resp.Body(); body != nil {
			b, _ := io.ReadAll(io.LimitReader(body, 200))
			reason = string(b)
		}
		return fmt.Errorf("%w: %v %s", ErrRejected, resp.Code(), reason)
	}
	return nil
}

// laneOf spreads readers over n connections (FNV-1a of the id).
func laneOf(reader string, n int) int {
	h := uint32(2166136261)
	for i := 0; i < len(reader); i++ {
		h = (h ^ uint32(reader[i])) * 16777619
	}
	return int(h % uint32(n))
}

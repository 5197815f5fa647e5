package rfid

import (
	"context"
	"fmt"
	"io"
	"net"

	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/codes"
	"github.com/plgd-dev/go-coap/v3/message/pool"
	coapNet "github.com/plgd-dev/go-coap/v3/net"
	"github.com/plgd-dev/go-coap/v3/options"
	"github.com/plgd-dev/go-coap/v3/options/config"
	"github.com/plgd-dev/go-coap/v3/udp/client"
	"github.com/plgd-dev/go-coap/v3/udp/coder"
)

// messageLayer is the seam into go-coap: it replaces the library's handling
// of every received message that is not a ping. The library's own request
// path keeps each confirmable answer for 247 s and scans that cache on
// every datagram (upstream issue #586), so the rate of a busy endpoint
// decays; this path never touches that cache and deduplicates with
// Server.exchanges instead.
//
// The option applies to go-coap's UDP and DTLS servers alike (both serve
// *udp/client.Conn), so a DTLS listener gets the same message layer.
func (s *Server) messageLayer() options.ProcessReceivedMessageOpt[*client.Conn] {
	return options.WithProcessReceivedMessageFunc[*client.Conn](s.processReceived)
}

// processReceived answers one received message on cc; go-coap's own
// handler (the third argument) is never used.
func (s *Server) processReceived(req *pool.Message, cc *client.Conn, _ config.HandlerFunc[*client.Conn]) {
	defer cc.ReleaseMessage(req)
	out, ok := s.answer(cc.Context(), req, cc.RemoteAddr())
	if !ok {
		return
	}
	msg := cc.AcquireMessage(cc.Context())
	defer cc.ReleaseMessage(msg)
	if _, err := msg.UnmarshalWithDecoder(coder.DefaultCoder, out); err != nil {
		s.log.Error("rfid: cannot decode own answer", "err", err)
		return
	}
	if cm := replyControl(req.ControlMessage()); cm != nil {
		msg.SetControlMessage(cm)
	}
	if err := cc.Session().WriteMessage(msg); err != nil {
		s.log.Debug("rfid: cannot send answer", "remote", cc.RemoteAddr().String(), "err", err)
	}
}

// answer returns the encoded datagram to send back for req from remote, or
// false when nothing is to be sent. Requests go through the exchange
// dedupe; an unexpected confirmable message gets a Reset; anything else
// (acknowledgements, resets, responses) is ignored: this server never sends
// requests of its own.
func (s *Server) answer(ctx context.Context, req *pool.Message, remote net.Addr) ([]byte, bool) {
	typ := req.Type()
	switch {
	case isRequest(req.Code()) && (typ == message.Confirmable || typ == message.NonConfirmable):
		return s.exchange(ctx, req, remote)
	case typ == message.Confirmable:
		return s.encode(message.Message{Type: message.Reset, Code: codes.Empty, MessageID: req.MessageID()})
	}
	return nil, false
}

// exchange processes a request once per (remote, message id) within the
// exchange lifetime; a retransmitted CON gets the very same bytes again, a
// duplicate NON or a copy arriving while the first is processed is ignored.
func (s *Server) exchange(ctx context.Context, req *pool.Message, remote net.Addr) ([]byte, bool) {
	key, keyed := newExchangeKey(remote, req.MessageID())
	if keyed {
		prev, dup := s.exchanges.putIfAbsent(key, exchange{}, s.cfg.Clock())
		switch {
		case dup && !prev.done:
			s.metrics.duplicates.WithLabelValues(dupInFlight).Inc()
			return nil, false
		case dup:
			s.metrics.duplicates.WithLabelValues(dupRetransmission).Inc()
			return prev.ack, prev.ack != nil
		}
	}
	resp := s.serveSafely(ctx, req)
	s.metrics.batches.WithLabelValues(codeString(resp.code)).Inc()
	out, ok := s.encode(responseMessage(req, resp))
	if keyed {
		e := exchange{done: true}
		if req.Type() == message.Confirmable {
			e.ack = out
		}
		s.exchanges.put(key, e, s.cfg.Clock())
	}
	return out, ok
}

// serveSafely converts req and serves it; a panic becomes a 5.00 answer.
func (s *Server) serveSafely(ctx context.Context, req *pool.Message) (resp response) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("rfid: panic serving request", "panic", fmt.Sprint(p))
			resp = errorResponse(fmt.Errorf("%w: panic", ErrInternal))
		}
	}()
	r, err := toRequest(req)
	if err != nil {
		return errorResponse(err)
	}
	return s.ingest.serve(ctx, r)
}

// isRequest reports whether c is a method code (class 0, detail 1..31).
func isRequest(c codes.Code) bool { return c > codes.Empty && c < 32 }

// criticalOK lists the critical options a request may carry. Unknown
// critical options, Block1/Block2 (block-wise transfer is not implemented),
// If-Match and the proxy options get 4.02 Bad Option (RFC 7252 5.4.1).
var criticalOK = map[message.OptionID]bool{
	message.URIHost: true, message.URIPort: true, message.URIPath: true,
	message.URIQuery: true, message.Accept: true,
}

// toRequest extracts what the resources need from a CoAP message.
func toRequest(m *pool.Message) (request, error) {
	opts := m.Options()
	for _, o := range opts {
		if o.ID&1 == 1 && !criticalOK[o.ID] {
			return request{}, fmt.Errorf("%w: %d", ErrBadOption, o.ID)
		}
	}
	r := request{method: m.Code()}
	if p, err := opts.Path(); err == nil {
		r.path = p
	}
	if cf, err := opts.ContentFormat(); err == nil {
		r.format, r.hasFormat = cf, true
	}
	if a, err := opts.GetUint32(message.Accept); err == nil {
		r.accept, r.hasAccept = message.MediaType(a), true
	}
	body, err := readBody(m)
	if err != nil {
		return request{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	r.body = body
	return r, nil
}

func readBody(m *pool.Message) ([]byte, error) {
	body := m.Body()
	if body == nil {
		return nil, nil
	}
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return io.ReadAll(body)
}

// responseMessage is resp as the answer to req: piggybacked on the ACK of a
// CON, or a NON with a fresh message id.
func responseMessage(req *pool.Message, resp response) message.Message {
	m := message.Message{
		Code:      resp.code,
		Token:     req.Token(),
		Type:      message.Acknowledgement,
		MessageID: req.MessageID(),
		Payload:   resp.body,
	}
	if req.Type() != message.Confirmable {
		m.Type, m.MessageID = message.NonConfirmable, message.GetMID()
	}
	if resp.hasFormat {
		m.Options = append(m.Options, uintOption(message.ContentFormat, uint32(resp.format)))
	}
	if resp.size1 > 0 {
		m.Options = append(m.Options, uintOption(message.Size1, resp.size1))
	}
	return m
}

func uintOption(id message.OptionID, v uint32) message.Option {
	var buf [4]byte
	n, _ := message.EncodeUint32(buf[:], v)
	return message.Option{ID: id, Value: buf[:n]}
}

// encode marshals one of our answers; false (logged) if that fails.
func (s *Server) encode(m message.Message) ([]byte, bool) {
	buf, err := encodeMessage(m)
	if err != nil {
		s.log.Error("rfid: cannot encode answer", "code", codeString(m.Code), "err", err)
		return nil, false
	}
	return buf, true
}

func encodeMessage(m message.Message) ([]byte, error) {
	size, err := coder.DefaultCoder.Size(m)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, size)
	n, err := coder.DefaultCoder.Encode(m, buf)
	return buf[:n], err
}

// replyControl makes an answer leave from the address and interface the
// request arrived on (wildcard listeners with several addresses).
func replyControl(cm *coapNet.ControlMessage) *coapNet.ControlMessage {
	if cm == nil {
		return nil
	}
	out := &coapNet.ControlMessage{IfIndex: cm.IfIndex}
	if len(cm.Dst) > 0 && !cm.Dst.IsMulticast() {
		out.Src = cm.Dst
	}
	if out.IfIndex < 1 && out.Src == nil {
		return nil
	}
	return out
}

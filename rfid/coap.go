package rfid

import (
	"context"
	"fmt"
	"net"

	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/codes"
	"github.com/plgd-dev/go-coap/v3/message/pool"
	"github.com/plgd-dev/go-coap/v3/options"
	"github.com/plgd-dev/go-coap/v3/options/config"
	"github.com/plgd-dev/go-coap/v3/udp/client"
	"github.com/plgd-dev/go-coap/v3/udp/coder"
)

// messageLayer is the seam into go-coap's DTLS server: it replaces the
// library's handling of every received message that is not a ping (plain
// CoAP does not use go-coap's server at all: udp.go). The library's own request
// path keeps each confirmable answer for 247 s and scans that cache on
// every datagram (upstream issue #586), so the rate of a busy endpoint
// decays; this path never touches that cache and deduplicates with
// Server.exchanges instead.
//
// Both paths end in Server.answer, so plain and secure CoAP share the
// message layer.
func (s *Server) messageLayer() options.ProcessReceivedMessageOpt[*client.Conn] {
	return options.WithProcessReceivedMessageFunc[*client.Conn](s.processReceived)
}

// processReceived answers one received message on cc; go-coap's own
// handler (the third argument) is never used.
func (s *Server) processReceived(req *pool.Message, cc *client.Conn, _ config.HandlerFunc[*client.Conn]) {
	defer cc.ReleaseMessage(req)
	out, ok := s.answer(cc.Context(), req, cc.RemoteAddr(), peerOf(cc))
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
		s.log.Debug("rfid: cannot send answer", "remote", cc.RemoteAddr(), "err", err)
	}
}

// answer returns the encoded datagram to send back for req from remote
// (authenticated as reader peer over DTLS, "" for plain CoAP), or false
// when nothing is to be sent. Requests go through the exchange
// dedupe; an unexpected confirmable message gets a Reset; anything else
// (acknowledgements, resets, responses) is ignored: this server never sends
// requests of its own.
func (s *Server) answer(ctx context.Context, req *pool.Message, remote net.Addr, peer string) ([]byte, bool) {
	typ := req.Type()
	switch {
	case isRequest(req.Code()) && (typ == message.Confirmable || typ == message.NonConfirmable):
		return s.exchange(ctx, req, remote, peer)
	case typ == message.Confirmable:
		return s.encode(message.Message{Type: message.Reset, Code: codes.Empty, MessageID: req.MessageID()})
	}
	return nil, false
}

// exchange processes a request once per (remote, message id) within the
// exchange lifetime; a retransmitted CON gets the very same bytes again, a
// duplicate NON or a copy arriving while the first is processed is ignored.
func (s *Server) exchange(ctx context.Context, req *pool.Message, remote net.Addr, peer string) ([]byte, bool) {
	key, keyed := newExchangeKey(remote, req.MessageID())
	key.secure = peer != ""
	if keyed {
		prev, dup := s.exchanges.begin(key, s.cfg.Clock())
		switch {
		case dup && !prev.done:
			s.metrics.duplicates.WithLabelValues(dupInFlight).Inc()
			return nil, false
		case dup:
			s.metrics.duplicates.WithLabelValues(dupRetransmission).Inc()
			return s.exchanges.answer(key, prev, s.cfg.Clock())
		}
	}
	resp := s.serveSafely(ctx, req, peer)
	s.metrics.batches.WithLabelValues(codeString(resp.code)).Inc()
	if resp.code >= codes.BadRequest {
		s.log.Debug("rfid: request refused", "remote", remote, "code", codeString(resp.code), "reason", string(resp.body))
	}
	out, ok := s.encode(responseMessage(req, resp))
	if keyed {
		var ack []byte
		if ok && req.Type() == message.Confirmable {
			ack = out
		}
		s.exchanges.finish(key, ack, s.cfg.Clock())
	}
	return out, ok
}

// serveSafely converts req and serves it; a panic becomes a 5.00 answer.
func (s *Server) serveSafely(ctx context.Context, req *pool.Message, peer string) (resp response) {
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
	r.peer = peer
	return s.ingest.serve(ctx, r)
}

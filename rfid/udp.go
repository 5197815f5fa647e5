package rfid

import (
	"errors"
	"net"
	"sync"

	"github.com/plgd-dev/go-coap/v3/message/pool"
	coapNet "github.com/plgd-dev/go-coap/v3/net"
	"github.com/plgd-dev/go-coap/v3/udp/coder"
)

// Plain CoAP is served by our own read loop over go-coap's socket layer
// (coapNet.UDPConn: control messages for wildcard listeners) and codec,
// not by go-coap's UDP server, for two reasons:
//
//   - Hostile datagrams. go-coap v3.5.4's udp/server Serve closes an
//     endpoint's connection object when one datagram from it does not
//     parse (`cc.Process` fails -> `closeConnection`), which cancels the
//     context of that endpoint's batches in flight (their Sink call fails:
//     5.03) and drops the messages queued behind them (the reader
//     retransmits). Here a datagram that is not a CoAP message is counted
//     and ignored; it touches nothing else.
//   - Bursts. go-coap reads a socket from a single goroutine; here
//     Config.ReadGoroutines goroutines read, decode and answer, so
//     batches waiting for the Sink do not leave the socket unread, and the
//     receive buffer (Config.ReadBuffer) holds a second of peak traffic.
//
// There is no per-endpoint state to keep: the exchange dedupe is keyed by
// endpoint and message id server-wide (exchange.go), and every answer is
// one datagram back to where the request came from.

// udpListener stops one plain listener.
type udpListener struct {
	conn *coapNet.UDPConn
	once sync.Once
}

// Stop closes the socket; the reading goroutines then return.
func (u *udpListener) Stop() { u.once.Do(func() { _ = u.conn.Close() }) }

// Serve answers CoAP requests arriving on l until Close; it then returns
// ErrServerClosed. It may be called for several listeners (say IPv4 and
// IPv6); they share the dedupe caches.
func (s *Server) Serve(l *net.UDPConn) error {
	if l == nil {
		return errors.New("rfid: serve: nil listener")
	}
	defer l.Close() // also when Close came before a goroutine read
	addr := l.LocalAddr().String()
	granted := s.tuneReadBuffer(l, addr)
	u := &udpListener{conn: coapNet.NewUDPConn("udp", l)}
	if err := s.track(u, l.LocalAddr()); err != nil {
		return err
	}
	id := socketID(l)
	s.metrics.sockets.add(id, socketInfo{addr: addr, granted: granted})
	defer s.metrics.sockets.remove(id)
	s.log.Info("rfid: serving CoAP", "addr", addr, "read_goroutines", s.cfg.ReadGoroutines)

	errs := make(chan error, s.cfg.ReadGoroutines)
	var wg sync.WaitGroup
	for range s.cfg.ReadGoroutines {
		wg.Go(func() {
			if err := s.readLoop(u.conn); err != nil {
				errs <- err
				u.Stop() // the others return too
			}
		})
	}
	wg.Wait()
	close(errs)
	if s.isClosed() {
		return ErrServerClosed
	}
	return <-errs
}

// tuneReadBuffer asks for Config.ReadBuffer on l and logs what the kernel
// granted; it returns the granted size (0: unknown).
func (s *Server) tuneReadBuffer(l *net.UDPConn, addr string) int {
	granted, err := setReadBuffer(l, s.cfg.ReadBuffer)
	switch {
	case err != nil:
		s.log.Warn("rfid: cannot set the receive buffer; bursts may be dropped by the kernel", "addr", addr, "err", err)
	case granted > 0 && granted < s.cfg.ReadBuffer:
		s.log.Warn("rfid: receive buffer smaller than asked; bursts beyond it are dropped by the kernel (rtls_rfid_udp_kernel_drops_total): raise net.core.rmem_max or grant CAP_NET_ADMIN",
			"addr", addr, "asked_bytes", s.cfg.ReadBuffer, "granted_bytes", granted, "rmem_max", readBufferCap())
	default:
		s.log.Info("rfid: receive buffer", "addr", addr, "asked_bytes", s.cfg.ReadBuffer, "granted_bytes", granted)
	}
	return granted
}

// readLoop reads and answers datagrams until the socket is closed (nil)
// or fails (the error).
func (s *Server) readLoop(conn *coapNet.UDPConn) error {
	s.ingest.reading.Add(1)
	defer s.ingest.reading.Add(-1)
	buf := make([]byte, maxDatagram)
	req := pool.NewMessage(s.ctx)
	for {
		var (
			raddr *net.UDPAddr
			cm    *coapNet.ControlMessage
		)
		n, err := conn.ReadWithOptions(buf, coapNet.WithGetRemoteAddr(&raddr), coapNet.WithGetControlMessage(&cm))
		if err != nil {
			if s.isClosed() || errors.Is(err, net.ErrClosed) || errors.Is(err, coapNet.ErrConnectionIsClosed) {
				return nil
			}
			return err
		}
		s.ingest.busy.Add(1)
		s.serveDatagram(conn, req, buf[:n], raddr, cm)
		s.ingest.busy.Add(-1)
	}
}

// serveDatagram answers one datagram from raddr, reusing req. A datagram
// that is not a CoAP message is counted and ignored (RFC 7252 4.2 allows
// silently ignoring a message with a format error).
func (s *Server) serveDatagram(conn *coapNet.UDPConn, req *pool.Message, datagram []byte, raddr *net.UDPAddr, cm *coapNet.ControlMessage) {
	req.Reset()
	if _, err := req.UnmarshalWithDecoder(coder.DefaultCoder, datagram); err != nil {
		s.metrics.invalid.Inc()
		s.log.Debug("rfid: datagram ignored: not a CoAP message", "remote", raddr, "bytes", len(datagram), "err", err)
		return
	}
	out, ok := s.answer(s.ctx, req, raddr, "")
	if !ok {
		return
	}
	if err := conn.WriteWithOptions(out, coapNet.WithRemoteAddr(raddr), coapNet.WithControlMessage(replyControl(cm))); err != nil {
		s.log.Debug("rfid: cannot send answer", "remote", raddr, "err", err)
	}
}

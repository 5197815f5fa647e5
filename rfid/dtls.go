package rfid

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"time"

	piondtls "github.com/pion/dtls/v3"
	"github.com/plgd-dev/go-coap/v3/dtls"
	coapNet "github.com/plgd-dev/go-coap/v3/net"
	"github.com/plgd-dev/go-coap/v3/net/blockwise"
	"github.com/plgd-dev/go-coap/v3/options"
	"github.com/plgd-dev/go-coap/v3/udp/client"
)

// DefaultDTLSIdleTimeout is how long a DTLS session may stay silent before
// the server closes it (the reader then handshakes again).
const DefaultDTLSIdleTimeout = 2 * time.Minute

// dtlsHandshakeTimeout bounds one handshake, so a client that stops half
// way does not hold a goroutine.
const dtlsHandshakeTimeout = 10 * time.Second

// Cipher suites offered to readers: those of RFC 7925 (CoAP's IoT profile:
// AES-128-CCM-8 with PSK or ECDSA certificates), then GCM ones.
var (
	pskSuites = []piondtls.CipherSuiteID{piondtls.TLS_PSK_WITH_AES_128_CCM_8, piondtls.TLS_PSK_WITH_AES_128_CCM,
		piondtls.TLS_PSK_WITH_AES_128_GCM_SHA256}
	certSuites = []piondtls.CipherSuiteID{piondtls.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
		piondtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, piondtls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}
)

// peer is who a DTLS session authenticated as, kept in the session's
// context from the handshake on.
type peer struct {
	reader string
	keySum [32]byte            // SHA-256 of the PSK (PSK sessions)
	chain  []*x509.Certificate // the reader's certificate chain (certificate sessions)
}

// peerKey is the context key of a session's peer.
type peerKey struct{}

// peerOf returns the authenticated reader of the session cc, "" for plain
// CoAP.
func peerOf(cc *client.Conn) string {
	if p, ok := cc.Context().Value(peerKey{}).(*peer); ok {
		return p.reader
	}
	return ""
}

// SetCredentials replaces the reader keys and CA, say after SIGHUP. New
// handshakes use them at once; open sessions whose key was removed or
// changed, or whose certificate the new CA no longer accepts, are closed;
// every other session stays up. It returns how many sessions it closed.
// Certificates are accepted only if the credentials the DTLS listener
// started with had a CA; adding one later needs a restart.
func (s *Server) SetCredentials(c *Credentials) (closed int) {
	if c == nil {
		return 0
	}
	s.creds.Store(c)
	s.sessMu.Lock()
	var stale []*client.Conn
	for cc, p := range s.sessions {
		if !c.stillValid(*p) {
			stale = append(stale, cc)
		}
	}
	s.sessMu.Unlock()
	for _, cc := range stale {
		_ = cc.Close()
	}
	s.metrics.sessionsRevoked.Add(float64(len(stale)))
	s.log.Info("rfid: reader credentials loaded", "psk_readers", c.Readers(), "certificates", c.AcceptsCertificates(), "sessions_closed", len(stale))
	return len(stale)
}

// ListenDTLS binds a DTLS listener on addr (host:port) authenticating
// readers with Config.Credentials. Serve it with ServeDTLS.
func (s *Server) ListenDTLS(addr string) (*coapNet.DTLSListener, error) {
	c := s.creds.Load()
	if c == nil {
		return nil, fmt.Errorf("%w: DTLS needs reader credentials", ErrInvalidConfig)
	}
	suites := pskSuites
	if c.AcceptsCertificates() {
		suites = append(append([]piondtls.CipherSuiteID{}, pskSuites...), certSuites...)
	}
	opts := []piondtls.ServerOption{
		piondtls.WithCipherSuites(suites...),
		piondtls.WithPSK(s.pskFor),
		piondtls.WithExtendedMasterSecret(piondtls.RequireExtendedMasterSecret),
		piondtls.WithVerifyConnection(s.verifyConnection),
	}
	if c.AcceptsCertificates() {
		opts = append(opts,
			piondtls.WithGetCertificate(func(*piondtls.ClientHelloInfo) (*tls.Certificate, error) { return s.creds.Load().cert, nil }),
			// Requested, not required: pion would demand a certificate of
			// PSK clients too. verifyConnection refuses a handshake with
			// neither a PSK identity nor a certificate.
			piondtls.WithClientAuth(piondtls.RequestClientCert),
		)
	}
	l, err := coapNet.NewDTLSListener("udp", addr, coapNet.NewDTLSServerOptions(opts...))
	if err != nil {
		return nil, fmt.Errorf("rfid: cannot listen (DTLS): %w", err)
	}
	return l, nil
}

// ServeDTLS answers CoAP over DTLS on l (from ListenDTLS) until Close; it
// then returns ErrServerClosed. Requests go through the same message layer
// and dedupe as plain CoAP, and a batch must name the reader the session
// authenticated as (4.03 otherwise).
func (s *Server) ServeDTLS(l *coapNet.DTLSListener) error {
	if l == nil {
		return errors.New("rfid: serve: nil listener")
	}
	defer l.Close()
	srv := dtls.NewServer(
		s.messageLayer(),
		options.WithBlockwise(false, blockwise.SZX1024, time.Second),
		options.WithMaxMessageSize(maxDatagram),
		options.WithErrors(func(err error) { s.log.Debug("rfid: coaps", "err", err) }),
		options.WithOnNewConn(s.onDTLSSession),
		options.WithDTLSHandshakeTimeout(dtlsHandshakeTimeout),
		options.WithInactivityMonitor(s.cfg.DTLSIdleTimeout, func(cc *client.Conn) {
			s.metrics.sessionsIdle.Inc()
			_ = cc.Close()
		}),
	)
	if err := s.track(srv, l.Addr()); err != nil {
		return err
	}
	s.log.Info("rfid: serving CoAP over DTLS", "addr", l.Addr().String())
	err := srv.Serve(l)
	if s.isClosed() {
		return ErrServerClosed
	}
	return err
}

// ListenAndServeDTLS listens on Config.DTLSAddr and serves DTLS until ctx
// is done (it then returns nil) or Close is called (ErrServerClosed).
func (s *Server) ListenAndServeDTLS(ctx context.Context) error {
	l, err := s.ListenDTLS(s.cfg.DTLSAddr)
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { _ = s.Close() })
	defer stop()
	err = s.ServeDTLS(l)
	if errors.Is(err, ErrServerClosed) && ctx.Err() != nil {
		return nil
	}
	return err
}

// pskFor is the PSK callback: the client's PSK identity is its reader id.
func (s *Server) pskFor(identity []byte) ([]byte, error) {
	if k := s.creds.Load().key(normaliseID(string(identity))); k != nil {
		return k, nil
	}
	s.metrics.handshakeFailures.WithLabelValues("unknown_identity").Inc()
	return nil, fmt.Errorf("%w: unknown PSK identity", ErrCredentials)
}

// verifyConnection runs after the handshake's own checks: a certificate
// must chain to the current CA and name a reader.
func (s *Server) verifyConnection(st *piondtls.State) error {
	if len(st.IdentityHint) > 0 {
		return nil // PSK: the key itself was the proof
	}
	chain, err := parseChain(st.PeerCertificates)
	if err == nil {
		_, err = s.creds.Load().verify(chain)
	}
	if err != nil {
		s.metrics.handshakeFailures.WithLabelValues("certificate").Inc()
	}
	return err
}

// onDTLSSession records who a new session authenticated as.
func (s *Server) onDTLSSession(cc *client.Conn) {
	p, err := sessionPeer(cc.NetConn(), s.creds.Load())
	if err != nil {
		s.log.Warn("rfid: DTLS session without identity", "remote", cc.RemoteAddr().String(), "err", err)
		_ = cc.Close()
		return
	}
	cc.SetContextValue(peerKey{}, p)
	s.sessMu.Lock()
	s.sessions[cc] = p
	s.sessMu.Unlock()
	s.metrics.sessions.Inc()
	cc.AddOnClose(func() {
		s.sessMu.Lock()
		delete(s.sessions, cc)
		s.sessMu.Unlock()
		s.metrics.sessions.Dec()
	})
	s.log.Debug("rfid: DTLS session", "reader", p.reader, "remote", cc.RemoteAddr().String())
}

// sessionPeer reads the identity a finished handshake proved.
func sessionPeer(nc net.Conn, c *Credentials) (*peer, error) {
	dc, ok := nc.(*piondtls.Conn)
	if !ok {
		return nil, fmt.Errorf("%w: not a DTLS connection", ErrCredentials)
	}
	st, ok := dc.ConnectionState()
	if !ok {
		return nil, fmt.Errorf("%w: no connection state", ErrCredentials)
	}
	if len(st.IdentityHint) > 0 {
		p := &peer{reader: normaliseID(string(st.IdentityHint))}
		p.keySum = sha256.Sum256(c.key(p.reader))
		return p, nil
	}
	chain, err := parseChain(st.PeerCertificates)
	if err != nil {
		return nil, err
	}
	id, err := certReader(chain[0])
	if err != nil {
		return nil, err
	}
	return &peer{reader: id, chain: chain}, nil
}

func parseChain(raw [][]byte) ([]*x509.Certificate, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("%w: no certificate", ErrCredentials)
	}
	chain := make([]*x509.Certificate, 0, len(raw))
	for _, r := range raw {
		c, err := x509.ParseCertificate(r)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCredentials, err)
		}
		chain = append(chain, c)
	}
	return chain, nil
}

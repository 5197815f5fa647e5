package rfid

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"

	"github.com/plgd-dev/go-coap/v3/udp/client"
	"github.com/prometheus/client_golang/prometheus"
)

// maxDatagram is the read buffer of the CoAP server: any UDP datagram fits,
// so an oversized body is answered 4.13 instead of being truncated.
const maxDatagram = 64 << 10

// Server is the CoAP ingest: it serves SightingsPath on UDP listeners
// (plain CoAP) and DTLS listeners (CoAP over DTLS, readers authenticated by
// PSK or certificate) and hands validated sightings to a Sink.
type Server struct {
	cfg       Config
	log       *slog.Logger
	ingest    *ingest
	exchanges *exchanges
	metrics   *metrics

	ctx  context.Context    // of every batch; cancelled by Close
	stop context.CancelFunc // cancels ctx

	limits *readerLimits
	creds  atomic.Pointer[Credentials] // reader keys and CA for DTLS; nil for none

	sessMu   sync.Mutex // guards sessions
	sessions map[*client.Conn]*peer

	mu      sync.Mutex // guards servers, addrs and closed
	servers []stopper
	addrs   []net.Addr
	closed  bool
}

// stopper is a plain UDP listener or a go-coap DTLS server.
type stopper interface{ Stop() }

// NewServer builds a server; its metrics are registered on reg (nil for
// none). Call Serve or ListenAndServe to start it.
func NewServer(cfg Config, sink Sink, readers ReaderDirectory, reg prometheus.Registerer) (*Server, error) {
	if sink == nil || readers == nil {
		return nil, fmt.Errorf("%w: sink and reader directory are required", ErrInvalidConfig)
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	ctx, stop := context.WithCancel(context.Background())
	s := &Server{
		ctx:       ctx,
		stop:      stop,
		cfg:       cfg,
		log:       cfg.Logger,
		exchanges: newExchanges(cfg.ExchangeLifetime, cfg.DedupeMaxEntries),
		sessions:  map[*client.Conn]*peer{},
	}
	s.creds.Store(cfg.Credentials)
	seqs := newTTLCache[seqKey, seqResult](cfg.SeqWindow, cfg.SeqMaxEntries)
	s.metrics = newMetrics(s.exchanges.len, seqs.len, cfg.Logger)
	if err := s.metrics.register(reg); err != nil {
		return nil, err
	}
	s.limits = newReaderLimits(cfg)
	s.ingest = newIngest(cfg, sink, readers, seqs, s.metrics, s.limits)
	return s, nil
}

// ListenAndServe listens on Config.Addr and serves until ctx is done
// (it then returns nil) or Close is called (ErrServerClosed).
func (s *Server) ListenAndServe(ctx context.Context) error {
	addr, err := net.ResolveUDPAddr("udp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("rfid: addr %q: %w", s.cfg.Addr, err)
	}
	l, err := net.ListenUDP("udp", addr)
	if err != nil {
		return fmt.Errorf("rfid: cannot listen: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { _ = s.Close() })
	defer stop()
	err = s.Serve(l)
	if errors.Is(err, ErrServerClosed) && ctx.Err() != nil {
		return nil
	}
	return err
}

// Addr returns the address of the first listener, nil before one serves.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.addrs) == 0 {
		return nil
	}
	return s.addrs[0]
}

// Close stops every listener; Serve calls then return ErrServerClosed.
// It cancels the context of batches being processed and does not wait for
// them (a Sink call may still run).
func (s *Server) Close() error {
	s.mu.Lock()
	servers := s.servers
	s.servers, s.closed = nil, true
	s.mu.Unlock()
	s.stop()
	for _, srv := range servers {
		srv.Stop()
	}
	return nil
}

func (s *Server) track(srv stopper, addr net.Addr) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrServerClosed
	}
	s.servers = append(s.servers, srv)
	s.addrs = append(s.addrs, addr)
	return nil
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

package server

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/hospitalrtls/rtls/pipeline"
	"github.com/hospitalrtls/rtls/rfid"
)

// ReaderConfig is the security of the reader front: DTLS credentials,
// per-reader rate limits and the policy for tags the server has not seen.
type ReaderConfig struct {
	// DTLSAddr is the UDP address of CoAP over DTLS (--coap-dtls-addr).
	DTLSAddr string
	// Keys is the reader keys file (--reader-keys, see rfid.LoadCredentials);
	// empty serves no DTLS. It is read again on SIGHUP.
	Keys string
	// IdleTimeout closes DTLS sessions silent for this long (0: 2 min).
	IdleTimeout time.Duration
	// BatchRate and SightingRate are each reader's limits per second
	// (0: none); bursts are twice the rate, the sighting burst at least one
	// full batch.
	BatchRate    float64
	SightingRate float64
	// Tags is the policy for new tags and the bound on tracked tags.
	Tags pipeline.TagPolicy
	// ReadBuffer is the plain CoAP socket's receive buffer in bytes
	// (--coap-read-buffer; 0: rfid.DefaultReadBuffer) and ReadGoroutines
	// the goroutines reading it (--coap-read-goroutines; 0: the default).
	ReadBuffer     int
	ReadGoroutines int
}

// validate checks the reader settings; insecure allows plain CoAP.
func (r ReaderConfig) validate(insecure bool) error {
	if r.Keys == "" && !insecure {
		return fmt.Errorf("%w: --reader-keys: required to serve readers over DTLS (or --insecure for plain CoAP)", ErrConfig)
	}
	if r.Keys != "" {
		if _, _, err := net.SplitHostPort(r.DTLSAddr); err != nil {
			return fmt.Errorf("%w: --coap-dtls-addr: %v", ErrConfig, err)
		}
	}
	switch {
	case r.IdleTimeout < 0:
		return fmt.Errorf("%w: --dtls-idle-timeout: must not be negative", ErrConfig)
	case r.BatchRate < 0:
		return fmt.Errorf("%w: --reader-batch-rate: must not be negative", ErrConfig)
	case r.SightingRate < 0:
		return fmt.Errorf("%w: --reader-sighting-rate: must not be negative", ErrConfig)
	case r.ReadBuffer < 0:
		return fmt.Errorf("%w: --coap-read-buffer: must not be negative", ErrConfig)
	case r.ReadGoroutines < 0:
		return fmt.Errorf("%w: --coap-read-goroutines: must not be negative", ErrConfig)
	}
	if err := r.Tags.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return nil
}

// rfidConfig is the CoAP front's configuration with creds (nil: no DTLS).
func (r ReaderConfig) rfidConfig(creds *rfid.Credentials) rfid.Config {
	return rfid.Config{
		DTLSAddr:            r.DTLSAddr,
		Credentials:         creds,
		DTLSIdleTimeout:     r.IdleTimeout,
		ReaderBatchRate:     r.BatchRate,
		ReaderBatchBurst:    int(2 * r.BatchRate),
		ReaderSightingRate:  r.SightingRate,
		ReaderSightingBurst: max(int(2*r.SightingRate), rfid.DefaultMaxSightings),
		ReadBuffer:          r.ReadBuffer,
		ReadGoroutines:      r.ReadGoroutines,
	}
}

// Reload reads the reader keys file again (SIGHUP). On error the previous
// credentials stay in force.
func (s *Server) Reload() error {
	if s.cfg.Readers.Keys == "" {
		return nil
	}
	c, err := rfid.LoadCredentials(s.cfg.Readers.Keys)
	if err != nil {
		s.log.Error("reader keys not reloaded; the previous keys stay in force", "err", err)
		return err
	}
	s.coap.SetCredentials(c)
	return nil
}

// listenCoAP builds the CoAP front and binds its listeners: DTLS with
// reader keys, plain UDP only when insecure (--insecure or --demo).
func (s *Server) listenCoAP() error {
	var creds *rfid.Credentials
	if s.cfg.Readers.Keys != "" {
		var err error
		if creds, err = rfid.LoadCredentials(s.cfg.Readers.Keys); err != nil {
			return fmt.Errorf("server: --reader-keys: %w", err)
		}
	}
	rcfg := s.cfg.Readers.rfidConfig(creds)
	rcfg.Addr, rcfg.Clock, rcfg.Logger = s.cfg.CoAPAddr, s.cfg.Clock, s.log.With("part", "coap")
	// a batch stale by half the lateness while every reading goroutine is
	// busy waited in rtlsd's socket: the reader backs off (5.03)
	rcfg.StaleAfter = time.Duration(s.engCfg.LatenessMS) * time.Millisecond / 2
	var err error
	if s.coap, err = rfid.NewServer(rcfg, s.sink, readerDirectory{s.plan}, s.registry); err != nil {
		return err
	}
	if creds != nil {
		if s.dtlsLis, err = s.coap.ListenDTLS(s.cfg.Readers.DTLSAddr); err != nil {
			return bindError("--coap-dtls-addr", s.cfg.Readers.DTLSAddr, err)
		}
	}
	if !s.cfg.Insecure && !s.cfg.Demo {
		return nil
	}
	s.log.Warn("INSECURE: plain CoAP on --coap-addr accepts unauthenticated batches from any reader id; use --reader-keys (DTLS) in production",
		"coap", s.cfg.CoAPAddr, "demo", s.cfg.Demo)
	addr, err := net.ResolveUDPAddr("udp", s.cfg.CoAPAddr)
	if err != nil {
		return fmt.Errorf("server: --coap-addr: %w", err)
	}
	if s.coapLis, err = net.ListenUDP("udp", addr); err != nil {
		return bindError("--coap-addr", s.cfg.CoAPAddr, err)
	}
	return nil
}

// serveCoAP serves the bound CoAP listeners until close shuts the front
// down (reloadOnHUP reloads the reader keys).
func (s *Server) serveCoAP() {
	if s.coapLis != nil {
		go func() {
			if err := s.coap.Serve(s.coapLis); err != nil && !errors.Is(err, rfid.ErrServerClosed) {
				s.log.Error("coap server stopped", "err", err)
			}
		}()
	}
	if s.dtlsLis == nil {
		return
	}
	go func() {
		if err := s.coap.ServeDTLS(s.dtlsLis); err != nil && !errors.Is(err, rfid.ErrServerClosed) {
			s.log.Error("coaps server stopped", "err", err)
		}
	}()
}

func addrString(a net.Addr) string {
	if a == nil {
		return "off"
	}
	return a.String()
}

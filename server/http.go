package server

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/hospitalrtls/rtls/gateway"
	"github.com/hospitalrtls/rtls/web"
)

// httpFace is the --http-addr listener: the JSON API (calling the gRPC
// server, so both faces share its interceptors), /openapi.json and the web
// app.
type httpFace struct {
	gw  *gateway.Gateway
	srv *http.Server
	lis net.Listener
}

// listenHTTP binds --http-addr; the gateway calls the bound gRPC address.
func (s *Server) listenHTTP() error {
	if s.cfg.HTTPAddr == "" {
		return nil
	}
	gw, err := gateway.New(gateway.Config{Target: loopbackTCP(s.GRPCAddr()), DialOptions: s.gatewayDial(), App: web.Handler()})
	if err != nil {
		return err
	}
	lis, err := net.Listen("tcp", s.cfg.HTTPAddr)
	if err != nil {
		gw.Close()
		return bindError("--http-addr", s.cfg.HTTPAddr, err)
	}
	if s.sec != nil && s.sec.httpTLS != nil {
		lis = tls.NewListener(lis, s.sec.httpTLS) // the same certificate as gRPC, reloaded with it
	}
	// No write timeout: location and event streams stay open.
	s.face = &httpFace{gw: gw, lis: lis, srv: &http.Server{Handler: gw, ReadHeaderTimeout: 5 * time.Second,
		ErrorLog: slog.NewLogLogger(s.log.With("part", "http").Handler(), slog.LevelWarn)}}
	return nil
}

// gatewayDial is how the gateway reaches the gRPC server: over TLS when the
// API has it. The connection goes to the port this process bound on the
// loopback interface, so the certificate (issued for the server's public
// name) is not checked against the address. Tokens travel in it as they do
// from any client, and the gRPC interceptors check them.
func (s *Server) gatewayDial() []grpc.DialOption {
	if s.cfg.API.TLSCert == "" {
		return nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true} //nolint:gosec // loopback to our own listener
	return []grpc.DialOption{grpc.WithTransportCredentials(credentials.NewTLS(tc))}
}

// HTTPAddr returns the bound HTTP address; nil when --http-addr is empty.
func (s *Server) HTTPAddr() net.Addr {
	if s.face == nil {
		return nil
	}
	return s.face.lis.Addr()
}

// serve serves until shutdown.
func (h *httpFace) serve() error {
	if err := h.srv.Serve(h.lis); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// httpGrace is how long running requests get to finish at shutdown.
// Streams never finish on their own: they are closed after it, which
// cancels their gRPC calls, so the gRPC server can stop gracefully.
const httpGrace = time.Second

// shutdown stops taking requests, lets unary calls finish within
// httpGrace and then closes every connection, streams included.
func (h *httpFace) shutdown(ctx context.Context) {
	grace, cancel := context.WithTimeout(ctx, httpGrace)
	defer cancel()
	h.srv.Shutdown(grace)
	h.srv.Close()
	h.gw.Close()
}

// close releases the listener of a server that never served.
func (h *httpFace) close() {
	h.lis.Close()
	h.gw.Close()
}

// loopbackTCP is the address the gateway dials: the bound port on 127.0.0.1
// when the gRPC server listens on all interfaces.
func loopbackTCP(a net.Addr) string {
	t, ok := a.(*net.TCPAddr)
	if !ok || t.IP == nil || t.IP.IsUnspecified() {
		_, port, _ := net.SplitHostPort(a.String())
		return net.JoinHostPort("127.0.0.1", port)
	}
	return t.String()
}

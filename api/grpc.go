package api

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
)

// GRPCServer is a gRPC server with the standard health service (a status
// per registered service), server reflection, request logs, panic recovery
// and, optionally, Prometheus metrics.
type GRPCServer struct {
	srv    *grpc.Server
	health *health.Server
	drain  *drain
}

// Option configures NewGRPCServer.
type Option func(*config)

// config collects the options of NewGRPCServer.
type config struct {
	log *slog.Logger
	reg prometheus.Registerer
	sec *Security // nil: no authentication (--insecure)
	tls credentials.TransportCredentials
	fwd grpc.UnaryServerInterceptor // nil: none
}

// WithLogger sets the logger of request logs; by default nothing is logged.
func WithLogger(log *slog.Logger) Option { return func(c *config) { c.log = log } }

// WithMetrics registers call counters and durations on reg.
func WithMetrics(reg prometheus.Registerer) Option { return func(c *config) { c.reg = reg } }

// WithTLS serves over TLS with creds (see NewServerTLS).
func WithTLS(creds credentials.TransportCredentials) Option {
	return func(c *config) { c.tls = creds }
}

// WithForwarding adds i around the security interceptor and the handler
// of unary calls: it sees every call after logging and metrics, and may
// answer it with another server's answer (rtlsd's standby forwards calls
// that need the engine to the instance running it, which authenticates
// and audits the caller itself).
func WithForwarding(i grpc.UnaryServerInterceptor) Option {
	return func(c *config) { c.fwd = i }
}

// NewGRPCServer builds a server with health and reflection registered.
// Register the services, then Serve.
func NewGRPCServer(opts ...Option) (*GRPCServer, error) {
	var c config
	for _, o := range opts {
		o(&c)
	}
	log := orDiscard(c.log)
	unary := []grpc.UnaryServerInterceptor{logUnary(log), recoverUnary(log)}
	stream := []grpc.StreamServerInterceptor{logStream(log), recoverStream(log)}
	if c.fwd != nil {
		unary = append(unary, c.fwd)
	}
	if c.sec != nil {
		g := newGuard(*c.sec, log)
		unary = append(unary, g.unary)
		stream = append(stream, g.stream)
	}
	d := newDrain()
	stream = append(stream, d.stream)
	if c.reg != nil {
		m, err := newMetrics(c.reg)
		if err != nil {
			return nil, fmt.Errorf("api: cannot register metrics: %w", err)
		}
		unary = append([]grpc.UnaryServerInterceptor{m.unary}, unary...)
		stream = append([]grpc.StreamServerInterceptor{m.stream}, stream...)
	}
	sopts := []grpc.ServerOption{grpc.ChainUnaryInterceptor(unary...), grpc.ChainStreamInterceptor(stream...)}
	if c.tls != nil {
		sopts = append(sopts, grpc.Creds(c.tls))
	}
	s := &GRPCServer{srv: grpc.NewServer(sopts...), health: health.NewServer(), drain: d}
	healthpb.RegisterHealthServer(s.srv, s.health)
	reflection.Register(s.srv)
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	return s, nil
}

// Register adds a service, e.g. (&rtlsv1.LocationService_ServiceDesc,
// locationServer), and reports it SERVING on the health service. Call it
// before Serve.
func (s *GRPCServer) Register(desc *grpc.ServiceDesc, impl any) {
	s.srv.RegisterService(desc, impl)
	s.health.SetServingStatus(desc.ServiceName, healthpb.HealthCheckResponse_SERVING)
}

// Serve accepts connections on lis until Shutdown.
func (s *GRPCServer) Serve(lis net.Listener) error { return s.srv.Serve(lis) }

// Shutdown reports every service NOT_SERVING, ends open streams with
// UNAVAILABLE (clients reconnect and resume), then stops gracefully: it
// waits for running unary calls until ctx ends, then closes what is left.
func (s *GRPCServer) Shutdown(ctx context.Context) {
	s.health.Shutdown()
	s.drain.start()
	done := make(chan struct{})
	go func() {
		s.srv.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		s.srv.Stop()
		<-done
	}
}

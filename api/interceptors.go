package api

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Interceptors see only the method, the outcome and the duration of a call:
// never a request or response body, since tag ids may be patient identities.

// logUnary logs each unary call: method, code, duration.
func logUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := handler(ctx, req)
		logCall(ctx, log, info.FullMethod, err, time.Since(start))
		return resp, err
	}
}

// logStream logs each stream when it ends: method, code, duration.
func logStream(log *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		start := time.Now()
		err := handler(srv, ss)
		logCall(ss.Context(), log, info.FullMethod, err, time.Since(start))
		return err
	}
}

// logCall writes one log line for a finished call: faults of the server at
// WARN, successful health checks and reflection (probes, tools) at DEBUG,
// everything else at INFO.
func logCall(ctx context.Context, log *slog.Logger, method string, err error, d time.Duration) {
	code := status.Code(err)
	level := slog.LevelInfo
	switch {
	case code == codes.Internal || code == codes.Unknown || code == codes.DataLoss || code == codes.Unavailable:
		level = slog.LevelWarn
	case code == codes.OK && strings.HasPrefix(method, "/grpc."):
		level = slog.LevelDebug
	}
	log.LogAttrs(ctx, level, "grpc call",
		slog.String("method", method),
		slog.String("code", code.String()),
		slog.Duration("duration", d))
}

// recoverUnary turns a panic of a handler into an INTERNAL error.
func recoverUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer recoverCall(log, info.FullMethod, &err)
		return handler(ctx, req)
	}
}

// recoverStream turns a panic of a stream handler into an INTERNAL error.
func recoverStream(log *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer recoverCall(log, info.FullMethod, &err)
		return handler(srv, ss)
	}
}

// recoverCall is deferred by the recover interceptors.
func recoverCall(log *slog.Logger, method string, err *error) {
	if r := recover(); r != nil {
		log.Error("grpc handler panic", "method", method, "stack", string(debug.Stack()))
		*err = status.Error(codes.Internal, "internal error")
	}
}

// metrics counts and times gRPC calls by method and code.
type metrics struct {
	handled *prometheus.CounterVec   // calls finished, by method and code
	seconds *prometheus.HistogramVec // call durations, by method and code
	open    *prometheus.GaugeVec     // streams open now, by method
}

// newMetrics registers the gRPC metrics on reg. Metrics that reg already
// holds (a second server on one registry) are shared.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rtls_grpc_server_handled_total",
			Help: "gRPC calls finished, by method and status code.",
		}, []string{"method", "code"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "rtls_grpc_server_handling_seconds",
			Help:    "Duration of gRPC calls (of streams: their lifetime), by method and status code.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10),
		}, []string{"method", "code"}),
		open: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rtls_grpc_server_streams_open",
			Help: "gRPC streams open now, by method.",
		}, []string{"method"}),
	}
	var err error
	if m.handled, err = register(reg, m.handled); err != nil {
		return nil, err
	}
	if m.seconds, err = register(reg, m.seconds); err != nil {
		return nil, err
	}
	if m.open, err = register(reg, m.open); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c on reg, or returns the equal collector reg holds.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

// observe records one finished call.
func (m *metrics) observe(method string, err error, d time.Duration) {
	code := status.Code(err).String()
	m.handled.WithLabelValues(method, code).Inc()
	m.seconds.WithLabelValues(method, code).Observe(d.Seconds())
}

// unary is the metrics interceptor of unary calls.
func (m *metrics) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	start := time.Now()
	resp, err := handler(ctx, req)
	m.observe(info.FullMethod, err, time.Since(start))
	return resp, err
}

// stream is the metrics interceptor of streams.
func (m *metrics) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	start := time.Now()
	open := m.open.WithLabelValues(info.FullMethod)
	open.Inc()
	defer open.Dec()
	err := handler(srv, ss)
	m.observe(info.FullMethod, err, time.Since(start))
	return err
}

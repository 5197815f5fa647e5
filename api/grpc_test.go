package api

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"

	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

func TestHealth(t *testing.T) {
	env := startEnv(t, envConfig{})
	client := healthpb.NewHealthClient(env.conn)
	ctx := testContext(t)
	for _, service := range []string{"", "rtls.v1.LocationService", "rtls.v1.EventService"} {
		t.Run("service="+service, func(t *testing.T) {
			resp, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != healthpb.HealthCheckResponse_SERVING {
				t.Errorf("status %v, want SERVING", resp.Status)
			}
		})
	}
	t.Run("unknown service", func(t *testing.T) {
		_, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: "rtls.v1.Nothing"})
		wantStatus(t, err, codes.NotFound, "")
	})
}

func TestReflection(t *testing.T) {
	env := startEnv(t, envConfig{})
	stream, err := reflectionpb.NewServerReflectionClient(env.conn).ServerReflectionInfo(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	err = stream.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.Name)
	}
	for _, want := range []string{"rtls.v1.LocationService", "rtls.v1.EventService", "grpc.health.v1.Health"} {
		if !slices.Contains(names, want) {
			t.Errorf("services %v lack %s", names, want)
		}
	}

	err = stream.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: "rtls.v1.Location"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp, err = stream.Recv(); err != nil {
		t.Fatal(err)
	}
	if len(resp.GetFileDescriptorResponse().GetFileDescriptorProto()) == 0 {
		t.Errorf("no file descriptor for rtls.v1.Location: %v", resp)
	}
}

// metricValue returns the value of the metric name with the labels, and
// whether it exists.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if hasLabels(m, labels) {
				switch {
				case m.Counter != nil:
					return m.Counter.GetValue(), true
				case m.Gauge != nil:
					return m.Gauge.GetValue(), true
				case m.Histogram != nil:
					return float64(m.Histogram.GetSampleCount()), true
				}
			}
		}
	}
	return 0, false
}

func hasLabels(m *dto.Metric, labels map[string]string) bool {
	n := 0
	for _, l := range m.GetLabel() {
		if v, ok := labels[l.GetName()]; ok && v == l.GetValue() {
			n++
		}
	}
	return n == len(labels)
}

func TestMetrics(t *testing.T) {
	env := startEnv(t, envConfig{})
	env.store.put(fixturePositions...)
	ctx := testContext(t)
	const get = "/rtls.v1.LocationService/GetLocation"
	for _, tag := range []string{"PUMP-008", "PUMP-009", "NOBODY"} {
		env.locations.GetLocation(ctx, &rtlsv1.GetLocationRequest{TagId: tag})
	}
	tests := []struct {
		metric string
		labels map[string]string
		want   float64
	}{
		{"rtls_grpc_server_handled_total", map[string]string{"method": get, "code": "OK"}, 2},
		{"rtls_grpc_server_handled_total", map[string]string{"method": get, "code": "NotFound"}, 1},
		{"rtls_grpc_server_handling_seconds", map[string]string{"method": get, "code": "OK"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.metric, func(t *testing.T) {
			if got, _ := metricValue(t, env.reg, tt.metric, tt.labels); got != tt.want {
				t.Errorf("%s%v = %v, want %v", tt.metric, tt.labels, got, tt.want)
			}
		})
	}

	t.Run("open streams", func(t *testing.T) {
		const watch = "/rtls.v1.EventService/WatchEvents"
		labels := map[string]string{"method": watch}
		sctx, cancel := context.WithCancel(ctx)
		stream, err := env.events.WatchEvents(sctx, &rtlsv1.WatchEventsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := stream.Header(); err != nil {
			t.Fatal(err)
		}
		if got, _ := metricValue(t, env.reg, "rtls_grpc_server_streams_open", labels); got != 1 {
			t.Errorf("open streams %v, want 1", got)
		}
		cancel()
		// The handler notices the cancellation within one store read.
		waitFor(t, "the watch to end", func() bool {
			n, _ := metricValue(t, env.reg, "rtls_grpc_server_streams_open", labels)
			ended, _ := metricValue(t, env.reg, "rtls_grpc_server_handled_total", map[string]string{"method": watch, "code": "Canceled"})
			return n == 0 && ended == 1
		})
	})

	t.Run("second server on one registry", func(t *testing.T) {
		if _, err := NewGRPCServer(WithMetrics(env.reg)); err != nil {
			t.Fatal(err)
		}
	})
}

// waitFor polls cond until it holds, failing the test after a generous
// deadline (a liveness check, not a timing assertion).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRequestLog(t *testing.T) {
	var out syncBuffer
	log := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	env := startEnv(t, envConfig{log: log})
	env.store.put(fixturePositions...)
	ctx := testContext(t)

	healthpb.NewHealthClient(env.conn).Check(ctx, &healthpb.HealthCheckRequest{}) // logged at DEBUG
	env.locations.GetLocation(ctx, &rtlsv1.GetLocationRequest{TagId: "PAT-001"})
	env.locations.GetLocation(ctx, &rtlsv1.GetLocationRequest{TagId: "PAT-404"})
	env.locations.GetLocation(ctx, &rtlsv1.GetLocationRequest{TagId: "PANIC"})
	env.events.ListEvents(ctx, &rtlsv1.ListEventsRequest{Filter: &rtlsv1.EventFilter{TagIds: []string{"PAT-001"}}})
	sctx, cancel := context.WithCancel(ctx)
	stream, err := env.locations.WatchLocations(sctx, &rtlsv1.WatchLocationsRequest{TagIds: []string{"PAT-001"}})
	if err != nil {
		t.Fatal(err)
	}
	stream.Header()
	cancel()
	waitFor(t, "the watch to be logged", func() bool {
		return strings.Contains(out.String(), "method=/rtls.v1.LocationService/WatchLocations")
	})

	logged := out.String()
	for _, want := range []string{
		"method=/rtls.v1.LocationService/GetLocation code=OK duration=",
		"method=/rtls.v1.LocationService/GetLocation code=NotFound duration=",
		"method=/rtls.v1.LocationService/GetLocation code=Internal duration=",
		"method=/rtls.v1.EventService/ListEvents code=OK duration=",
		"method=/rtls.v1.LocationService/WatchLocations code=Canceled duration=",
	} {
		if !strings.Contains(logged, want) {
			t.Errorf("log lacks %q:\n%s", want, logged)
		}
	}
	if strings.Contains(logged, "grpc.health") {
		t.Errorf("a health check logged at INFO:\n%s", logged)
	}
	if strings.Contains(logged, "PAT-") {
		t.Errorf("log holds a tag id:\n%s", logged)
	}
}

func TestShutdownEndsWatches(t *testing.T) {
	env := startEnv(t, envConfig{})
	stream, err := env.locations.WatchLocations(testContext(t), &rtlsv1.WatchLocationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Header(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // no grace: close the open watch at once
	env.srv.Shutdown(ctx)
	if _, err := stream.Recv(); err == nil {
		t.Error("the watch survived Shutdown")
	}
	waitFor(t, "the store watch to end", func() bool { return env.store.watching() == 0 })
}

// TestShutdownWatchesUnavailable: open watches end with UNAVAILABLE at
// Shutdown, within its grace, so that clients reconnect and resume.
func TestShutdownWatchesUnavailable(t *testing.T) {
	env := startEnv(t, envConfig{})
	locs, err := env.locations.WatchLocations(testContext(t), &rtlsv1.WatchLocationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := env.events.WatchEvents(testContext(t), &rtlsv1.WatchEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []interface{ Header() (metadata.MD, error) }{locs, evs} {
		if _, err := s.Header(); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	env.srv.Shutdown(ctx) // a long grace: the watches must not use it
	_, err = locs.Recv()
	wantStatus(t, err, codes.Unavailable, "shutting down")
	_, err = evs.Recv()
	wantStatus(t, err, codes.Unavailable, "shutting down")
}

package api

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hospitalrtls/rtls/auth"
	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// TestNonReadingStreamsAreRefused: 500 WatchEvents streams of one subject
// that never read past their first event: all but MaxStreams are refused
// with RESOURCE_EXHAUSTED. The heap the 500 leave behind is logged.
func TestNonReadingStreamsAreRefused(t *testing.T) {
	const streams, maxStreams = 500, 8
	env := startSecure(t, Limits{MaxStreams: maxStreams, Rate: 1e6, SlowConsumer: time.Hour})
	c := rtlsv1.NewEventServiceClient(stallingConn(t, env))
	ctx := env.as(testContext(t), auth.Biomed)
	before := heapInUse()
	admitted, refused := openWatches(t, c, ctx, streams)
	if len(admitted) != maxStreams || refused != streams-maxStreams {
		t.Fatalf("admitted %d, refused %d; want %d and %d", len(admitted), refused, maxStreams, streams-maxStreams)
	}
	t.Logf("%d non-reading streams of one subject (%d admitted, windows full): heap in use %+.2f MiB (server and client)",
		streams, len(admitted), float64(heapInUse()-before)/(1<<20))
}

// TestSlowConsumerIsClosed: streams whose client stops reading are closed
// with RESOURCE_EXHAUSTED "slow consumer" once their flow-control window
// is full, and give their slot back.
func TestSlowConsumerIsClosed(t *testing.T) {
	const maxStreams = 4
	env := startSecure(t, Limits{MaxStreams: maxStreams, Rate: 1e6, SlowConsumer: 100 * time.Millisecond})
	c := rtlsv1.NewEventServiceClient(stallingConn(t, env))
	ctx := env.as(testContext(t), auth.Biomed)
	admitted, _ := openWatches(t, c, ctx, maxStreams)
	if len(admitted) == 0 {
		t.Fatal("no stream admitted")
	}
	// Their slots come back once the server has closed them: wait until
	// as many new streams are admitted (they too stop reading).
	again := 0
	for deadline := time.Now().Add(10 * time.Second); again < len(admitted); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d slots given back", again, len(admitted))
		}
		more, _ := openWatches(t, c, ctx, 1)
		again += len(more)
	}
	for i, w := range admitted {
		var err error
		for err == nil {
			_, err = w.Recv()
		}
		if status.Code(err) != codes.ResourceExhausted || !strings.Contains(err.Error(), "slow consumer") {
			t.Fatalf("stream %d ended with %v, want RESOURCE_EXHAUSTED slow consumer", i, err)
		}
	}
}

// stallingConn fills env's event stream and returns a client connection
// with a fixed 64 KiB stream window (no BDP growth), so that a client
// that does not read stalls the server's sends of that stream.
func stallingConn(t *testing.T, env *secureEnv) *grpc.ClientConn {
	evs := make([]geofence.Event, 20000)
	for i := range evs {
		evs[i] = geofence.Event{Type: geofence.Enter, Tag: "A1", Zone: "Z1", Class: geofence.ClassAsset, TS: 1000 + int64(i)}
	}
	env.store.appendEvents(evs...)
	return env.dial(t, grpc.WithInitialWindowSize(64<<10), grpc.WithInitialConnWindowSize(64<<20))
}

// openWatches opens n watches from the oldest event and reads one event of
// each: it returns the admitted streams and counts the refused ones.
func openWatches(t *testing.T, c rtlsv1.EventServiceClient, ctx context.Context, n int) ([]grpc.ServerStreamingClient[rtlsv1.Event], int) {
	t.Helper()
	var admitted []grpc.ServerStreamingClient[rtlsv1.Event]
	refused := 0
	for range n {
		w, err := c.WatchEvents(ctx, &rtlsv1.WatchEventsRequest{AfterId: "0"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Recv(); err != nil {
			if status.Code(err) != codes.ResourceExhausted || !strings.Contains(err.Error(), "stream limit") {
				t.Fatalf("refused stream: %v, want RESOURCE_EXHAUSTED stream limit", err)
			}
			refused++
			continue
		}
		admitted = append(admitted, w)
	}
	return admitted, refused
}

// heapInUse is the process's heap in use after a collection.
func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

// TestRateLimit: calls beyond a subject's burst are RESOURCE_EXHAUSTED;
// another subject is not affected.
func TestRateLimit(t *testing.T) {
	env := startSecure(t, Limits{Rate: 0.001, Burst: 3})
	c := rtlsv1.NewLocationServiceClient(env.dial(t))
	for i := range 4 {
		_, err := c.GetLocation(env.as(testContext(t), auth.Biomed), &rtlsv1.GetLocationRequest{TagId: "A1"})
		if want := i < 3; (err == nil) != want {
			t.Fatalf("call %d: %v", i, err)
		}
		if i == 3 && status.Code(err) != codes.ResourceExhausted {
			t.Fatalf("call 3: %v, want RESOURCE_EXHAUSTED", err)
		}
	}
	if _, err := c.GetLocation(env.as(testContext(t), auth.Admin), &rtlsv1.GetLocationRequest{TagId: "A1"}); err != nil {
		t.Fatalf("another subject: %v", err)
	}
}

// TestGrpcurl: the grpcurl command line of the README against the TLS
// server: -cacert and -H 'authorization: Bearer …'. Skipped when grpcurl
// is not installed (`make tools` puts it in bin/).
func TestGrpcurl(t *testing.T) {
	bin, err := exec.LookPath("grpcurl")
	if err != nil {
		bin = filepath.Join("..", "bin", "grpcurl")
		if _, err := os.Stat(bin); err != nil {
			t.Skip("grpcurl not installed: make tools")
		}
	}
	env := startSecure(t, Limits{})
	run := func(role auth.Role, method, body string) string {
		args := []string{"-cacert", env.pki.CAFile}
		if role != "" {
			args = append(args, "-H", "authorization: Bearer "+env.tokens[role])
		}
		args = append(args, "-d", body, env.addr, method)
		out, _ := exec.CommandContext(testContext(t), bin, args...).CombinedOutput()
		return string(out)
	}
	get := "rtls.v1.LocationService/GetLocation"
	for _, tc := range []struct {
		role   auth.Role
		method string
		body   string
		want   string
	}{
		{"", get, `{"tag_id":"P1"}`, "code = Unauthenticated"},
		{auth.Biomed, get, `{"tag_id":"P1"}`, "Code: PermissionDenied"},
		{auth.Biomed, get, `{"tag_id":"A1"}`, `"tagId": "A1"`},
		{auth.Nurse, get, `{"tag_id":"P2"}`, "Code: PermissionDenied"},
		{auth.Nurse, get, `{"tag_id":"P1"}`, `"tagId": "P1"`},
		{auth.Facilities, get, `{"tag_id":"A1"}`, "Code: PermissionDenied"},
		{auth.Facilities, "rtls.v1.AnalyticsService/Dwell", `{}`, "Code: Unimplemented"},
	} {
		if out := run(tc.role, tc.method, tc.body); !strings.Contains(out, tc.want) {
			t.Errorf("grpcurl as %q %s %s:\n%s\nwant %q", tc.role, tc.method, tc.body, out, tc.want)
		}
	}
}

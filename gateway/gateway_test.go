package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/hospitalrtls/rtls/api"
	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/gateway"
	"github.com/hospitalrtls/rtls/internal/demo"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// seen records the authorization metadata of each call the gRPC server got.
type seen struct {
	mu   sync.Mutex // guards auth
	auth []string
}

func (s *seen) unary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	s.mu.Lock()
	s.auth = append(s.auth, strings.Join(md.Get("authorization"), ","))
	s.mu.Unlock()
	return h(ctx, req)
}

// start serves the FloorplanService of the demo plan over gRPC on loopback
// and the gateway over HTTP in front of it.
func start(t *testing.T) (*httptest.Server, *seen) {
	t.Helper()
	plan, err := floorplans.Parse(demo.Floorplan(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	fp, err := api.NewFloorplanServer(plan)
	if err != nil {
		t.Fatal(err)
	}
	rec := &seen{}
	gs := grpc.NewServer(grpc.UnaryInterceptor(rec.unary))
	rtlsv1.RegisterFloorplanServiceServer(gs, fp)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go gs.Serve(lis)
	t.Cleanup(gs.Stop)
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "app") })
	gw, err := gateway.New(gateway.Config{Target: lis.Addr().String(), App: app})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	hs := httptest.NewServer(gw)
	t.Cleanup(hs.Close)
	return hs, rec
}

func get(t *testing.T, url, auth string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// The HTTP face passes the caller's token to the gRPC server, so the
// server's interceptors authorize both faces the same way.
func TestForwardsAuthorization(t *testing.T) {
	hs, rec := start(t)
	code, body := get(t, hs.URL+"/v1/floorplan?level_id=L1", "Bearer secret-1")
	if code != http.StatusOK {
		t.Fatalf("GET /v1/floorplan: %d %s", code, body)
	}
	var fc struct {
		Type     string
		Features []struct{ Properties map[string]any }
	}
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatal(err)
	}
	rooms := 0
	for _, f := range fc.Features {
		if f.Properties["level"] != nil && f.Properties["level"] != "L1" {
			t.Errorf("feature of level %v in the L1 plan", f.Properties["level"])
		}
		if f.Properties["type"] == "room" {
			rooms++
		}
	}
	if fc.Type != "FeatureCollection" || rooms == 0 {
		t.Errorf("got %s with %d rooms, want a FeatureCollection with rooms", fc.Type, rooms)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.auth) != 1 || rec.auth[0] != "Bearer secret-1" {
		t.Errorf("gRPC server saw authorization %q, want [Bearer secret-1]", rec.auth)
	}
}

func TestRoutes(t *testing.T) {
	hs, _ := start(t)
	for _, tc := range []struct {
		name, path string
		code       int
		contains   string
	}{
		{"bad level is INVALID_ARGUMENT", "/v1/floorplan?level_id=L9", http.StatusBadRequest, `"code":3`},
		{"unknown service is UNIMPLEMENTED", "/rtls.v1.NoSuchService/Method", http.StatusNotImplemented, `"code":12`},
		{"openapi", "/openapi.json", http.StatusOK, `"/v1/locations/{tag_id}"`},
		{"app", "/", http.StatusOK, "app"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := get(t, hs.URL+tc.path, "")
			compact := strings.ReplaceAll(string(body), " ", "")
			if code != tc.code || !strings.Contains(compact, tc.contains) {
				t.Errorf("GET %s: %d %s, want %d with %s", tc.path, code, body, tc.code, tc.contains)
			}
		})
	}
}

// Every RPC is also at POST /rtls.v1.<Service>/<Method>, the request as the
// JSON body.
func TestMethodPath(t *testing.T) {
	hs, _ := start(t)
	resp, err := http.Post(hs.URL+"/rtls.v1.FloorplanService/GetFloorplan", "application/json", strings.NewReader(`{"level_id":"L0"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"L0"`) {
		t.Errorf("POST /rtls.v1.FloorplanService/GetFloorplan: %d %s", resp.StatusCode, body)
	}
}

// Every service of the rtls.v1 package has its handlers registered: a new
// service becomes reachable over HTTP by `make proto` alone.
func TestEveryServiceHasHandlers(t *testing.T) {
	services := 0
	protoregistry.GlobalFiles.RangeFilesByPackage("rtls.v1", func(fd protoreflect.FileDescriptor) bool {
		services += fd.Services().Len()
		return true
	})
	if services == 0 || len(rtlsv1.GatewayHandlers) != services {
		t.Errorf("%d gateway handlers for %d services of rtls.v1: run make proto", len(rtlsv1.GatewayHandlers), services)
	}
}

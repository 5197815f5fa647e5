// Package gateway is the HTTP face of rtlsd: every RPC of every rtls.v1
// service as JSON (grpc-gateway, generated from the .proto files and
// proto/rtls/v1/gateway.yaml), the OpenAPI document at /openapi.json, and
// the web app at /, all on one handler.
//
// The gateway calls the gRPC server over a real client connection, so HTTP
// requests pass the same interceptors (authentication, roles, audit, logs,
// metrics) as gRPC ones: the Authorization header travels as the
// "authorization" metadata. Server streams are newline-delimited JSON, one
// {"result": message} object per line, or {"error": status} at the end.
package gateway

import (
	"context"
	_ "embed"
	"fmt"
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// openAPI is the merged OpenAPI (v2) document of every rtls.v1 service,
// written by `make proto`.
//
//go:embed openapi/rtls.swagger.json
var openAPI []byte

// Paths of the HTTP face.
const (
	// OpenAPIPath serves the OpenAPI document.
	OpenAPIPath = "/openapi.json"
	// routePrefix starts the routes of proto/rtls/v1/gateway.yaml.
	routePrefix = "/v1/"
	// methodPrefix starts the routes of RPCs without a rule there:
	// POST /rtls.v1.<Service>/<Method>.
	methodPrefix = "/rtls.v1."
)

// Config configures New.
type Config struct {
	// Target is the address of the gRPC server the gateway calls.
	Target string
	// DialOptions are added to the client connection, e.g. transport
	// credentials; without any the connection is plaintext.
	DialOptions []grpc.DialOption
	// App serves every path the API does not (the web app); nil answers 404.
	App http.Handler
}

// Gateway is an http.Handler for the JSON API, the OpenAPI document and the
// web app.
type Gateway struct {
	conn *grpc.ClientConn
	api  *runtime.ServeMux
	app  http.Handler
}

// New connects to the gRPC server (lazily: calls fail with UNAVAILABLE
// until it answers) and registers the handlers of every rtls.v1 service.
func New(cfg Config) (*Gateway, error) {
	opts := append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, cfg.DialOptions...)
	conn, err := grpc.NewClient(cfg.Target, opts...)
	if err != nil {
		return nil, fmt.Errorf("gateway: cannot dial %s: %w", cfg.Target, err)
	}
	g := &Gateway{conn: conn, app: cfg.App, api: runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.JSONPb{
			MarshalOptions: protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true},
		}),
		runtime.WithRoutingErrorHandler(routingError),
	)}
	if g.app == nil {
		g.app = http.NotFoundHandler()
	}
	for _, register := range rtlsv1.GatewayHandlers {
		// The context only bounds the registration: handlers take each
		// request's own context.
		if err := register(context.Background(), g.api, conn); err != nil {
			conn.Close()
			return nil, fmt.Errorf("gateway: %w", err)
		}
	}
	return g, nil
}

// ServeHTTP routes /v1/... and /rtls.v1.* to the API, /openapi.json to the
// OpenAPI document and everything else to the app.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case strings.HasPrefix(p, routePrefix), strings.HasPrefix(p, methodPrefix):
		g.api.ServeHTTP(w, r)
	case p == OpenAPIPath:
		w.Header().Set("Content-Type", "application/json")
		w.Write(openAPI)
	default:
		g.app.ServeHTTP(w, r)
	}
}

// Close closes the connection to the gRPC server.
func (g *Gateway) Close() error { return g.conn.Close() }

// routingError answers a path no route matches. An unknown
// /rtls.v1.<Service>/<Method> is UNIMPLEMENTED, as gRPC answers an unknown
// method, so clients can tell a missing service from a missing resource.
func routingError(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
	if httpStatus == http.StatusNotFound && strings.HasPrefix(r.URL.Path, methodPrefix) {
		runtime.HTTPError(ctx, mux, m, w, r, status.Error(codes.Unimplemented, "unknown method "+r.URL.Path))
		return
	}
	runtime.DefaultRoutingErrorHandler(ctx, mux, m, w, r, httpStatus)
}

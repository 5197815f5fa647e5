package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/hospitalrtls/rtls/store/redisstore"
)

// Forwarding: with Redis, every instance serves the whole API. A unary
// call that needs the site's engine (its rules, zones, registry, filters)
// reaches engineSwitch, which on a standby marks the call (noteMiss); the
// forwarder then sends the same request, with the caller's metadata (its
// bearer token), to the instance the site's lease names, and answers with
// that instance's answer. The owner authenticates, authorises and audits
// the real caller as for a call of its own: a forwarded call carries no
// rights of the standby. A forwarded call is never forwarded again.

// forwardedBy is the metadata key naming the instance that forwarded a
// call; the receiver answers such a call itself, whatever happens.
const forwardedBy = "rtls-forwarded-by"

// forwardTimeout bounds a forwarded call whose caller set no deadline.
const forwardTimeout = 10 * time.Second

// missKey is the context key of a call's engineMiss.
type missKey struct{}

// engineMiss records that a call needed the engine this instance does not
// run (set from any goroutine of the call).
type engineMiss struct{ hit atomic.Bool }

// noteMiss marks ctx's call as one the engine's owner must answer; a
// context of no forwarded call (the embedded store, internal work) is
// left alone.
func noteMiss(ctx context.Context) {
	if m, ok := ctx.Value(missKey{}).(*engineMiss); ok {
		m.hit.Store(true)
	}
}

// forwarder is the unary interceptor that sends calls a standby cannot
// answer to the site's owner.
type forwarder struct {
	st    *redisstore.Store
	self  string // this instance's name in the lease
	creds credentials.TransportCredentials
	log   *slog.Logger
	// timeout bounds a call whose caller set no deadline (forwardTimeout).
	timeout time.Duration
	// calls counts forwarded calls by outcome code.
	calls *prometheus.CounterVec

	mu    sync.Mutex
	conns map[string]*grpc.ClientConn // by owner address
}

func newForwarder(st *redisstore.Store, self string, creds credentials.TransportCredentials, log *slog.Logger, reg prometheus.Registerer) *forwarder {
	f := &forwarder{st: st, self: self, creds: creds, log: log, timeout: forwardTimeout, conns: map[string]*grpc.ClientConn{},
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rtls_api_forwarded_total",
			Help: "Unary API calls that needed the site's engine, which another instance runs, sent to that instance; by the status code of its answer.",
		}, []string{"code"})}
	reg.MustRegister(f.calls)
	return f
}

// unary answers the call here; when it needed the engine and another
// instance runs it, it answers with that instance's answer instead. Only
// while no owner is known (no lease, or the owner published no address)
// does the local answer, UNAVAILABLE, stand.
func (f *forwarder) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if len(metadata.ValueFromIncomingContext(ctx, forwardedBy)) > 0 {
		return handler(ctx, req)
	}
	m := &engineMiss{}
	resp, err := handler(context.WithValue(ctx, missKey{}, m), req)
	if !m.hit.Load() {
		return resp, err
	}
	// Only reads can succeed with a miss (a lookup of registry units that
	// hid unit-bound persons): every unary write goes through the engine.
	addr, ok := f.owner(ctx)
	if !ok {
		return resp, err
	}
	in, ok := req.(proto.Message)
	if !ok {
		return resp, err
	}
	out, ferr := replyOf(info.FullMethod)
	if ferr != nil {
		f.log.Error("cannot forward a call: unknown reply type", "method", info.FullMethod, "err", ferr)
		return resp, err
	}
	cc, ferr := f.conn(addr)
	if ferr != nil {
		f.log.Error("cannot forward a call: bad owner address", "err", ferr)
		return resp, err
	}
	fctx := ctx
	if _, ok := ctx.Deadline(); !ok {
		// an owner paused or cut off holds its lease for a TTL at most:
		// a caller without a deadline gets UNAVAILABLE, not a hang
		var cancel context.CancelFunc
		fctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}
	ferr = cc.Invoke(outgoing(fctx, f.self), info.FullMethod, in, out)
	if status.Code(ferr) == codes.DeadlineExceeded && ctx.Err() == nil {
		ferr = status.Error(codes.Unavailable, "the instance running the site's engine did not answer in time; retry later")
	}
	f.calls.WithLabelValues(status.Code(ferr).String()).Inc()
	if ferr != nil {
		return nil, ferr
	}
	return out, nil
}

// owner returns the address of the instance holding the site's lease,
// false when there is none, it published none or it is this one (about to
// run the engine, or just superseded).
func (f *forwarder) owner(ctx context.Context) (string, bool) {
	h, ok, err := f.st.LeaseHolder(ctx)
	if err != nil {
		// the store is down: the local answer (UNAVAILABLE) stands, and
		// the store's own errors are logged where they matter
		f.log.Debug("cannot read the site's lease to forward a call", "err", err)
		return "", false
	}
	if !ok || h.Addr == "" || h.Owner == f.self {
		return "", false
	}
	return h.Addr, true
}

// conn returns the client connection to addr, dialled once; connections
// to earlier owners stay (one per instance the site ever had, idle when
// unused) until close.
func (f *forwarder) conn(addr string) (*grpc.ClientConn, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if cc, ok := f.conns[addr]; ok {
		return cc, nil
	}
	// a dead owner's successor may come back at the same address: retry
	// its connection within a second rather than grpc's two minutes
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(f.creds),
		grpc.WithConnectParams(grpc.ConnectParams{Backoff: backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: time.Second},
			MinConnectTimeout: 2 * time.Second}))
	if err != nil {
		return nil, err
	}
	f.conns[addr] = cc
	return cc, nil
}

// close closes every connection.
func (f *forwarder) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for addr, cc := range f.conns {
		cc.Close()
		delete(f.conns, addr)
	}
}

// outgoing is ctx (its deadline and cancellation) with the caller's
// metadata, its authorization among it, as outgoing metadata, less the
// transport's own headers, plus forwardedBy.
func outgoing(ctx context.Context, self string) context.Context {
	in, _ := metadata.FromIncomingContext(ctx)
	out := metadata.MD{}
	for k, v := range in {
		if strings.HasPrefix(k, ":") || strings.HasPrefix(k, "grpc-") || k == "content-type" || k == "user-agent" || k == "te" {
			continue
		}
		out[k] = v
	}
	out.Set(forwardedBy, self)
	return metadata.NewOutgoingContext(ctx, out)
}

// errNoMethod is returned by replyOf for a method no registered proto
// file declares.
var errNoMethod = errors.New("server: no such gRPC method")

// replyOf returns a new, empty reply of method ("/pkg.Service/Method"),
// looked up in the registered proto files.
func replyOf(method string) (proto.Message, error) {
	svc, name, ok := strings.Cut(strings.TrimPrefix(method, "/"), "/")
	if !ok {
		return nil, fmt.Errorf("%w: %q", errNoMethod, method)
	}
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc + "." + name))
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", errNoMethod, method, err)
	}
	md, ok := d.(protoreflect.MethodDescriptor)
	if !ok {
		return nil, fmt.Errorf("%w: %q", errNoMethod, method)
	}
	mt, err := protoregistry.GlobalTypes.FindMessageByName(md.Output().FullName())
	if err != nil {
		return nil, err
	}
	return mt.New().Interface(), nil
}

// forwardCreds are the transport credentials of forwarded calls: TLS when
// the API runs TLS, verifying the owner's certificate with cfg.PeerCA
// (empty: the system's roots) for the host of its advertised address,
// and presenting this instance's own certificate when the API requires
// client certificates; plaintext otherwise.
func forwardCreds(cfg Config, sec *apiSecurity) (credentials.TransportCredentials, error) {
	if cfg.API.TLSCert == "" {
		return insecure.NewCredentials(), nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.PeerCA != "" {
		pem, err := os.ReadFile(cfg.PeerCA)
		if err != nil {
			return nil, fmt.Errorf("server: --peer-ca: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("server: --peer-ca: %s: no PEM certificate", cfg.PeerCA)
		}
	}
	if cfg.API.TLSClientCA != "" && sec.cert != nil {
		tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return sec.cert.cert.Load(), nil }
	}
	return credentials.NewTLS(tc), nil
}

// advertiseAddr is the gRPC address other instances reach this one at:
// cfg.AdvertiseGRPC, or the bound address with an unspecified host
// (":50051", "0.0.0.0:50051") replaced by this machine's host name.
func advertiseAddr(cfg Config, bound net.Addr) (string, error) {
	if cfg.AdvertiseGRPC != "" {
		return cfg.AdvertiseGRPC, nil
	}
	host, port, err := net.SplitHostPort(bound.String())
	if err != nil {
		return "", err
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		if host, err = os.Hostname(); err != nil {
			return "", fmt.Errorf("server: no --advertise-grpc and no host name: %w", err)
		}
	}
	return net.JoinHostPort(host, port), nil
}

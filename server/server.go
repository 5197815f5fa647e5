package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"

	"github.com/hospitalrtls/rtls/analytics"
	"github.com/hospitalrtls/rtls/api"
	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/floorplans/route"
	"github.com/hospitalrtls/rtls/ingest"
	"github.com/hospitalrtls/rtls/internal/demo"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/location/trail"
	"github.com/hospitalrtls/rtls/pipeline"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/rfid"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/memstore"
	"github.com/hospitalrtls/rtls/store/redisstore"
	coapNet "github.com/plgd-dev/go-coap/v3/net"
)

// Server is a running rtlsd: its listeners are bound once Start returns.
type Server struct {
	cfg      Config
	log      *slog.Logger
	plan     *floorplans.Plan
	store    store.Store
	pipe     *pipeline.Pipeline // the embedded store's; nil with Redis (see owner)
	coap     *rfid.Server
	coapLis  *net.UDPConn          // nil unless insecure
	dtlsLis  *coapNet.DTLSListener // nil without reader keys
	grpc     *api.GRPCServer
	grpcLis  net.Listener
	sec      *apiSecurity
	audit    store.AuditLog // the store's audit log
	metrics  *http.Server   // nil when --metrics-addr is empty
	metLis   net.Listener
	face     *httpFace // nil when --http-addr is empty
	registry *prometheus.Registry
	// lowBattery is the effective LOW_BATTERY threshold (percent).
	lowBattery int
	guard      *guard // nil for the embedded store

	// eng is the running pipeline as the API sees it (with Redis, the one
	// the owner runs while it holds the site's lease); sink takes the
	// reader front's batches (the pipeline, or the ingest log with Redis).
	eng   engineSwitch
	sink  rfid.Sink
	owner *owner // nil for the embedded store
	// fwd sends the API calls that need the engine to the instance
	// running it (nil for the embedded store).
	fwd         *forwarder
	engCfg      location.Config
	pipeMetrics *pipeline.Metrics
	// expected are the readers' refused batches on their way back, kept
	// across the pipelines this instance runs (pipeline.Expected).
	expected *pipeline.Expected
}

// Start loads the floorplan, opens the store, restores the geofence state
// and binds every listener.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (_ *Server, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	s := &Server{cfg: cfg, log: log, registry: prometheus.NewRegistry()}
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if s.plan, err = loadPlan(cfg); err != nil {
		return nil, err
	}
	if s.store, err = openStore(ctx, cfg, log); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	engCfg := location.Defaults()
	if cfg.EngineConfig != "" {
		if engCfg, err = location.ReadConfigFile(cfg.EngineConfig); err != nil {
			return nil, fmt.Errorf("server: --engine-config: %w", err)
		}
	}
	if r := cfg.Readers.Tags.Retention; r > 0 {
		engCfg.EvictAfterMS = r.Milliseconds()
	}
	if s.engCfg, err = engCfg.Resolved(); err != nil {
		return nil, err
	}
	if s.lowBattery, err = lowBattery(cfg); err != nil {
		return nil, err
	}
	s.pipeMetrics = pipeline.NewMetrics(s.registry)
	s.expected = pipeline.NewExpected(0, cfg.Clock)
	if rs, ok := s.store.(*redisstore.Store); ok {
		// every instance logs the batches it takes; the lease holder runs the engine
		s.sink = ingest.NewFront(rs, ingest.FrontConfig{MaxLen: cfg.IngestMaxLen,
			MaxLag: time.Duration(s.engCfg.LatenessMS) * time.Millisecond / 2, Expect: s.expected.Expect}, s.registry)
		s.owner = newOwner(s, rs)
	} else {
		if s.pipe, err = s.newPipeline(ctx, s.store, nil); err != nil {
			return nil, err
		}
		s.eng.set(s.pipe, nil)
		s.sink = s.pipe
	}
	if err := s.listen(); err != nil {
		return nil, err
	}
	if s.owner != nil {
		// the lease publishes the bound gRPC address: taken after listen
		if s.owner.addr, err = advertiseAddr(cfg, s.grpcLis.Addr()); err != nil {
			return nil, err
		}
		if err := s.owner.tryAcquire(ctx); err != nil {
			return nil, err
		}
	}
	if s.guard, err = newGuard(ctx, s.store, &s.eng, log.With("part", "store"), s.registry); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) listen() error {
	if err := s.listenCoAP(); err != nil {
		return err
	}
	var err error
	var ok bool
	if s.audit, ok = s.store.(store.AuditLog); !ok {
		return ErrNoAuditLog
	}
	if s.sec, err = newAPISecurity(s.cfg, registryTags{&s.eng}, s.audit); err != nil {
		return err
	}
	opts := append([]api.Option{api.WithLogger(s.log.With("part", "grpc")), api.WithMetrics(s.registry)}, s.sec.opts...)
	if s.owner != nil {
		creds, err := forwardCreds(s.cfg, s.sec)
		if err != nil {
			return err
		}
		rs, _ := s.store.(*redisstore.Store)
		s.fwd = newForwarder(rs, s.owner.id, creds, s.log.With("part", "forward"), s.registry)
		opts = append(opts, api.WithForwarding(s.fwd.unary))
	}
	s.grpc, err = api.NewGRPCServer(opts...)
	if err != nil {
		return err
	}
	router, err := route.New(s.plan, s.cfg.Walk)
	if err != nil {
		return fmt.Errorf("server: walking routes: %w", err)
	}
	lookup := api.PlanLookupOf(s.plan)
	s.grpc.Register(&rtlsv1.LocationService_ServiceDesc, api.NewLocationServer(s.store, &s.eng, lookup, s.log).
		WithTrails(s.store).WithExplainer(&s.eng))
	s.grpc.Register(&rtlsv1.AssetService_ServiceDesc, api.NewAssetServer(s.store, &s.eng, router, lookup, s.log).
		WithLowBattery(api.NewLowBatteryServer(s.store, s.store, &s.eng, s.lowBattery, s.log)))
	s.grpc.Register(&rtlsv1.AnalyticsService_ServiceDesc, api.NewAnalyticsServer(s.store, cmp.Or(s.cfg.AnalyticsMinCount, analytics.DefaultMinCount), s.log))
	s.grpc.Register(&rtlsv1.EventService_ServiceDesc, api.NewEventServer(s.store, &s.eng, s.log))
	api.RegisterFence(s.grpc, &s.eng, s.store, s.log)
	floorplan, err := api.NewFloorplanServer(s.plan)
	if err != nil {
		return err
	}
	s.grpc.Register(&rtlsv1.FloorplanService_ServiceDesc, floorplan)
	s.grpc.Register(&rtlsv1.AuditService_ServiceDesc, api.NewAuditServer(s.audit, s.log))
	if s.grpcLis, err = net.Listen("tcp", s.cfg.GRPCAddr); err != nil {
		return bindError("--grpc-addr", s.cfg.GRPCAddr, err)
	}
	if err := s.listenHTTP(); err != nil {
		return err
	}
	if s.cfg.MetricsAddr != "" {
		if s.metLis, err = net.Listen("tcp", s.cfg.MetricsAddr); err != nil {
			return bindError("--metrics-addr", s.cfg.MetricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
		s.metrics = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	}
	return nil
}

// ErrNoAuditLog is returned by Start for a store without an audit log.
var ErrNoAuditLog = errors.New("server: the store keeps no audit log")

// ErrAddrInUse is returned by Start when a listen address is taken by
// another process; the message names the flag and the address.
var ErrAddrInUse = errors.New("server: address already in use")

// bindError names the flag and address a listener could not bind.
func bindError(flag, addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("%w: %s %s is taken by another process; choose another address with %s", ErrAddrInUse, flag, addr, flag)
	}
	return fmt.Errorf("server: %s %s: %w", flag, addr, err)
}

// CoAPAddr returns the bound plain CoAP address (useful with port 0), nil
// when plain CoAP is off (no --insecure).
func (s *Server) CoAPAddr() net.Addr {
	if s.coapLis == nil {
		return nil
	}
	return s.coapLis.LocalAddr()
}

// CoAPDTLSAddr returns the bound CoAP-over-DTLS address, nil without
// reader keys.
func (s *Server) CoAPDTLSAddr() net.Addr {
	if s.dtlsLis == nil {
		return nil
	}
	return s.dtlsLis.Addr()
}

// MetricsAddr returns the bound metrics address, nil when metrics are off.
func (s *Server) MetricsAddr() net.Addr {
	if s.metLis == nil {
		return nil
	}
	return s.metLis.Addr()
}

// GRPCAddr returns the bound gRPC address.
func (s *Server) GRPCAddr() net.Addr { return s.grpcLis.Addr() }

// Serve runs until ctx ends, then shuts everything down in order: stop
// taking sightings, let the engine write what it has, stop the API.
func (s *Server) Serve(ctx context.Context) error {
	s.log.Info("rtlsd serving", "coap", addrString(s.CoAPAddr()), "coaps", addrString(s.CoAPDTLSAddr()), "grpc", s.grpcLis.Addr().String(), "http", s.cfg.HTTPAddr,
		"store", storeName(s.cfg), "levels", len(s.plan.Levels), "rooms", len(s.plan.Rooms), "readers", len(s.plan.Readers))
	if s.cfg.Insecure || s.cfg.Demo {
		s.log.Warn("insecure mode: gRPC API is " + s.sec.summary + "; do not use with real patients")
	}
	g, gctx := errgroup.WithContext(ctx)
	go s.reloadOnHUP(gctx)
	go trimAudit(gctx, s.cfg, s.audit, s.log.With("part", "audit"))
	engCtx, stopEngine := context.WithCancel(context.WithoutCancel(ctx))
	engDone := make(chan error, 1)
	if s.owner != nil {
		go func() { engDone <- s.owner.run(engCtx) }()
	} else {
		go func() { engDone <- s.pipe.Run(engCtx) }()
	}
	g.Go(func() error { return s.grpc.Serve(s.grpcLis) })
	s.serveCoAP()
	if s.metrics != nil {
		g.Go(func() error {
			if err := s.metrics.Serve(s.metLis); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
	}
	if s.face != nil {
		g.Go(s.face.serve)
	}
	if s.guard != nil {
		every := s.cfg.GenerationCheck
		if every <= 0 {
			every = defaultGenerationCheck
		}
		g.Go(func() error { s.guard.run(gctx, every); return nil })
	}
	if s.cfg.Demo {
		g.Go(func() error { return runDemo(gctx, s.cfg, s.plan, loopback(s.CoAPAddr()), s.log.With("part", "demo")) })
	}
	g.Go(func() error {
		<-gctx.Done()
		s.coap.Close()
		stopEngine()
		pipeErr := <-engDone
		if pipeErr != nil {
			s.log.Error("pipeline stopped with unwritten updates", "err", pipeErr)
		}
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if s.face != nil {
			s.face.shutdown(sctx)
		}
		s.grpc.Shutdown(sctx)
		if s.metrics != nil {
			s.metrics.Shutdown(sctx)
		}
		return errors.Join(pipeErr, s.store.Close())
	})
	err := g.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// reloadOnHUP reloads the reader keys and the API's certificate and tokens on each SIGHUP
// until ctx ends; a reload that fails keeps what was in force.
func (s *Server) reloadOnHUP(ctx context.Context) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if s.dtlsLis != nil {
				_ = s.Reload() // logs its own outcome
			}
			if err := s.sec.Reload(); err != nil {
				s.log.Error("reload failed; keeping the previous certificate and tokens", "err", err)
				continue
			}
			s.log.Info("reloaded API certificate and tokens")
		}
	}
}

// shutdownGrace bounds how long shutdown waits for unary calls and metrics
// scrapes in flight; open streams end at once with UNAVAILABLE.
const shutdownGrace = time.Second

func (s *Server) close() {
	if s.coapLis != nil {
		s.coapLis.Close()
	}
	if s.dtlsLis != nil {
		s.dtlsLis.Close()
	}
	if s.grpcLis != nil {
		s.grpcLis.Close()
	}
	if s.metLis != nil {
		s.metLis.Close()
	}
	if s.face != nil {
		s.face.close()
	}
	if s.owner != nil {
		s.owner.release()
	}
	if s.fwd != nil {
		s.fwd.close()
	}
	s.store.Close()
}

func loadPlan(cfg Config) (*floorplans.Plan, error) {
	if len(cfg.Floorplans) > 0 {
		return floorplans.LoadPaths(cfg.Floorplans)
	}
	return floorplans.Parse(demo.Floorplan(), "demo")
}

func openStore(ctx context.Context, cfg Config, log *slog.Logger) (store.Store, error) {
	if cfg.RedisURL == "" {
		return memstore.New(memstore.Options{EventMaxLen: cfg.EventMaxLen, EventMaxAge: cfg.EventMaxAge,
			TrailMaxAge: cfg.TrailRetention, AnalyticsMaxAge: cfg.AnalyticsRetention}), nil
	}
	redisstore.SetClientLogger(log.With("part", "redis"))
	st, err := redisstore.New(ctx, redisstore.Options{URL: cfg.RedisURL, Mode: redisstore.Mode(cfg.RedisMode), Site: cfg.Site,
		EventMaxLen: cfg.EventMaxLen, EventMaxAge: cfg.EventMaxAge, TrailMaxAge: cfg.TrailRetention,
		AnalyticsMaxAge: cfg.AnalyticsRetention, Logger: log.With("part", "redis")})
	if err != nil {
		return nil, fmt.Errorf("server: --redis: %w", err)
	}
	return st, nil
}

// newAggregator returns the analytics aggregator over the plan's rooms
// (category and unit) and the registry's assets (type and unit, for
// utilization), carrying on from the visits open in the fence's restored
// state. The aggregator and fence are both owned by the pipeline's
// goroutine, the only one that calls the asset lookup.
func newAggregator(plan *floorplans.Plan, fence *geofence.Engine) *analytics.Aggregator {
	rooms := make(map[string]analytics.Room, len(plan.Rooms))
	for _, r := range plan.Rooms {
		rooms[r.ID] = analytics.Room{Category: r.Category, Unit: r.Unit}
	}
	a := analytics.NewAggregator(rooms, func(tag string) (analytics.Asset, bool) {
		t, ok := fence.Tag(tag)
		if !ok || t.Class != geofence.ClassAsset {
			return analytics.Asset{}, false
		}
		return analytics.Asset{Type: t.Type, Unit: t.Unit}, true
	})
	a.Restore(fence.OpenVisits())
	return a
}

func storeName(cfg Config) string {
	if cfg.RedisURL == "" {
		return "embedded"
	}
	return "redis"
}

// loopback is the address the in-process demo posts to: the bound port on
// 127.0.0.1 when the server listens on all interfaces.
func loopback(a net.Addr) string {
	u, ok := a.(*net.UDPAddr)
	if !ok || u.IP == nil || u.IP.IsUnspecified() {
		_, port, _ := net.SplitHostPort(a.String())
		return net.JoinHostPort("127.0.0.1", port)
	}
	return u.String()
}

// newPipeline builds the site's engines from the stored state (geofence
// state, configuration, battery levels, LastSeq), writing through w and
// reporting its progress (pipeline.Config.Progress) to progress.
func (s *Server) newPipeline(ctx context.Context, w pipeline.Writer, progress func(uint64)) (*pipeline.Pipeline, error) {
	eng, err := location.New(s.plan, s.engCfg)
	if err != nil {
		return nil, err
	}
	fence, err := openFence(ctx, s.cfg, s.plan, s.store, s.log.With("part", "geofence"))
	if err != nil {
		return nil, err
	}
	seq, err := s.store.LastSeq(ctx)
	if err != nil {
		return nil, fmt.Errorf("server: store: %w", err)
	}
	alerts, err := openAlerts(ctx, s.cfg, s.store)
	if err != nil {
		return nil, err
	}
	stored, err := storedConfig(ctx, s.store)
	if err != nil {
		return nil, err
	}
	cfg := s.cfg
	return pipeline.New(pipeline.Config{Tick: cfg.Tick, FirstSeq: seq, Clock: cfg.Clock, Logger: s.log.With("part", "pipeline"), Tags: cfg.Readers.Tags,
		Trail: trail.Config{Interval: cfg.TrailInterval, Distance: cfg.TrailDistance}, Analytics: newAggregator(s.plan, fence), Alerts: alerts,
		StoredConfig: stored, Progress: progress, Expected: s.expected}, eng, fence, w, s.pipeMetrics), nil
}

// readerDirectory lets the CoAP front know the plan's readers.
type readerDirectory struct{ plan *floorplans.Plan }

// Known implements rfid.ReaderDirectory.
func (d readerDirectory) Known(id string) bool {
	_, ok := d.plan.Reader(id)
	return ok
}

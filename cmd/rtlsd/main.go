// Command rtlsd is the RTLS server: readers post sightings over CoAP, the
// engine turns them into positions, the store keeps the live state and the
// gRPC API answers queries and streams events.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/hospitalrtls/rtls/analytics"
	"github.com/hospitalrtls/rtls/ingest"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/server"
)

func main() {
	cfg, level, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "rtlsd:", err)
		os.Exit(2)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := server.Start(ctx, cfg, log)
	if err != nil {
		// A plain line, not a log record: the operator must see which
		// flag to change (a taken port names its flag and address).
		fmt.Fprintln(os.Stderr, "rtlsd:", err)
		os.Exit(1)
	}
	if err := s.Serve(ctx); err != nil {
		log.Error("rtlsd stopped", "err", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (server.Config, slog.Level, error) {
	var cfg server.Config
	var level slog.Level
	fs := flag.NewFlagSet("rtlsd", flag.ContinueOnError)
	fs.Func("floorplan", "floorplan GeoJSON file or directory (repeatable)", func(v string) error {
		cfg.Floorplans = append(cfg.Floorplans, v)
		return nil
	})
	fs.StringVar(&cfg.CoAPAddr, "coap-addr", ":5683", "UDP address for CoAP sightings")
	fs.StringVar(&cfg.GRPCAddr, "grpc-addr", ":50051", "TCP address of the gRPC API")
	fs.StringVar(&cfg.HTTPAddr, "http-addr", ":8080", "HTTP address of the web app, the JSON API and /openapi.json (empty: off)")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", ":9464", "HTTP address of Prometheus /metrics (empty: off)")
	fs.StringVar(&cfg.RedisURL, "redis", "", "Redis URL, e.g. redis://127.0.0.1:6379/0 (empty: embedded in-process store)")
	fs.StringVar(&cfg.RedisMode, "redis-mode", "", "what --redis names: empty one server; cluster: Redis Cluster nodes, redis://host:port?addr=host2:port2; sentinel: Sentinels, redis://host:26379/0?master_name=NAME&addr=host2:26379")
	fs.StringVar(&cfg.Site, "site", "default", "site name (Redis keys are per site)")
	fs.DurationVar(&cfg.LeaseTTL, "lease-ttl", server.DefaultLeaseTTL, "with --redis: how long the site's engine lease lasts unrenewed; a standby takes a dead owner's site over within about 1.2x this")
	fs.Int64Var(&cfg.IngestMaxLen, "ingest-max-len", ingest.DefaultMaxLen, "with --redis: most batches the site's ingest log holds unprocessed; beyond it readers get 5.03")
	fs.StringVar(&cfg.Instance, "instance", "", "with --redis: this instance's name in the site's lease and logs, unique per running process; restarted under the same name it takes its lease back at once (empty: host-pid-random)")
	fs.StringVar(&cfg.AdvertiseGRPC, "advertise-grpc", "", "with --redis: host:port the site's other instances reach this one's gRPC API at while it runs the engine; they forward rule, zone, registry and explain calls there (empty: --grpc-addr's bound address, an unspecified host replaced by the host name)")
	fs.StringVar(&cfg.HostName, "host-name", "", "with --redis: the machine's name for spreading several sites' engines over hosts: a standby on a host already running another site's engine leaves a free lease to other hosts for 2/5 of --lease-ttl (empty: the host name)")
	fs.StringVar(&cfg.PeerCA, "peer-ca", "", "with --redis and --tls-cert: PEM CA file that issued the other instances' certificates, to verify the owner calls are forwarded to (empty: system roots)")
	fs.BoolVar(&cfg.Demo, "demo", false, "run the built-in simulated ward (uses the demo floorplan unless --floorplan is given)")
	fs.IntVar(&cfg.DemoTags, "demo-tags", 0, "tags the demo simulates (0: the demo's own set)")
	fs.StringVar(&cfg.EngineConfig, "engine-config", "", "JSON file overriding engine settings (see docs/accuracy.md)")
	fs.DurationVar(&cfg.Tick, "tick", 250*time.Millisecond, "how often positions are written")
	fs.StringVar(&cfg.RulesFile, "rules", "", "geofence rules file (YAML or JSON)")
	fs.StringVar(&cfg.TagsFile, "tags", "", "tag registry file (YAML, JSON or CSV with a header: id,class,type,name,status,unit_id,role,serial,...)")
	fs.DurationVar(&cfg.Debounce, "debounce", 0, "how long a zone change must hold before ENTER/EXIT fire (0: 3s)")
	cfg.Status = geofence.DefaultStatusRules()
	fs.Func("soiled-categories", "room categories that make an asset entering them SOILED, comma-separated (default "+geofence.DefaultSoiledCategory+"; \"\": none)", func(v string) error {
		cfg.Status.SoiledCategories = splitList(v)
		return nil
	})
	fs.Func("in-use-categories", "room categories of patient care, comma-separated (default "+strings.Join(geofence.DefaultInUseCategories, ",")+"; \"\": none)", func(v string) error {
		cfg.Status.InUseCategories = splitList(v)
		return nil
	})
	fs.DurationVar(&cfg.Status.InUseDwell, "in-use-dwell", geofence.DefaultInUseDwell, "stay in a patient-care room after which an asset is IN_USE (0: never)")
	fs.DurationVar(&cfg.Status.Absence, "missing-after", geofence.DefaultStatusAbsence, "silence after which an asset is MISSING (0: never)")
	fs.DurationVar(&cfg.ParGrace, "par-grace", 0, "how long after the first position a fresh site waits before judging PAR rules (0: 10s)")
	fs.IntVar(&cfg.LowBattery, "low-battery", 20, "battery percent at or below which LOW_BATTERY fires (re-arms 5 above)")
	fs.DurationVar(&cfg.DuressGap, "duress-gap", 0, "how long a tag's button must go unreported before a report is a new press (0: 10s)")
	fs.Int64Var(&cfg.EventMaxLen, "event-max-len", 0, "events the stream retains (0: 1,000,000; -1: no limit)")
	fs.DurationVar(&cfg.EventMaxAge, "event-max-age", 0, "how long events are retained (0: 168h; -1ns: no limit)")
	fs.Float64Var(&cfg.Walk.StairsPerLevelM, "walk-stairs-m", 0, "FindNearest: meters of walking a flight of stairs costs (0: 20; negative: no stairs)")
	fs.Float64Var(&cfg.Walk.LiftM, "walk-lift-m", 0, "FindNearest: meters of walking a lift ride costs, waiting included (0: 30; negative: no lifts)")
	fs.Float64Var(&cfg.Walk.LiftPerLevelM, "walk-lift-per-level-m", 0, "FindNearest: meters added to a lift ride per level (0: 5)")
	defaultEvents := fs.Bool("default-events", true, "every room and zone emits ENTER/EXIT without rule for every tag, whatever the rules (false: only rules' events)")
	fs.DurationVar(&cfg.TrailRetention, "trail-retention", 0, "how long trails (GetTrail) are kept (0: 720h; -1ns: no limit)")
	fs.DurationVar(&cfg.TrailInterval, "trail-interval", 0, "shortest gap between two trail points within a room (0: 30s)")
	fs.Float64Var(&cfg.TrailDistance, "trail-distance", 0, "meters a tag moves within a room before another trail point (0: 5)")
	fs.IntVar(&cfg.AnalyticsMinCount, "analytics-min-count", analytics.DefaultMinCount, "fewest distinct tags an analytics row needs to be shown; fewer suppress it")
	fs.DurationVar(&cfg.AnalyticsRetention, "analytics-retention", 0, "how long hourly analytics aggregates are kept (0: 2232h; -1ns: no limit)")
	readerFlags(fs, &cfg)
	apiFlags(fs, &cfg)
	fs.Func("log-level", "debug, info, warn or error", func(v string) error {
		return level.UnmarshalText([]byte(strings.ToUpper(v)))
	})
	if err := fs.Parse(args); err != nil {
		return cfg, level, err
	}
	if fs.NArg() > 0 {
		return cfg, level, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	cfg.NoDefaultEvents = !*defaultEvents
	return cfg, level, cfg.Validate()
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

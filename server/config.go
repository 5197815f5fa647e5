// Package server wires rtlsd: floorplan, CoAP ingest, location engine,
// store, gRPC API and its HTTP face (JSON API and web app), plus the
// built-in demo.
package server

import (
	"errors"
	"fmt"
	"math"
	"net"
	"strings"
	"time"
	"unicode"

	"github.com/hospitalrtls/rtls/floorplans/route"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

// Config is the whole configuration of rtlsd.
type Config struct {
	// Floorplans are GeoJSON files or directories; empty with Demo uses the demo ward.
	Floorplans []string
	// CoAPAddr is the UDP address readers post sightings to.
	CoAPAddr string
	// GRPCAddr is the TCP address of the gRPC API.
	GRPCAddr string
	// MetricsAddr serves Prometheus /metrics over HTTP; empty disables it.
	MetricsAddr string
	// HTTPAddr serves the JSON API, /openapi.json and the web app; empty
	// disables it.
	HTTPAddr string
	// RedisURL selects the Redis store; empty uses the embedded store.
	RedisURL string
	// RedisMode says what RedisURL names: "" one server, "cluster" Redis
	// Cluster seed nodes, "sentinel" Sentinels and master_name
	// (redisstore.Mode).
	RedisMode string
	// Site names this site's keys in Redis.
	Site string
	// Demo runs the simulated ward against the server's own CoAP address.
	Demo bool
	// DemoTags is how many tags the demo simulates (0: the demo's own set).
	DemoTags int
	// EngineConfig is a JSON file overriding location.Config fields.
	EngineConfig string
	// Tick is how often positions are written.
	Tick time.Duration
	// GenerationCheck is how often the Redis store's site generation
	// marker is checked for data loss (0: 5 s).
	GenerationCheck time.Duration
	// RulesFile (YAML or JSON) and TagsFile (YAML, JSON or CSV) configure
	// geofencing at start; changes made through the API persist in the store.
	RulesFile string
	TagsFile  string
	// Debounce is how long a zone change must hold before it fires.
	Debounce time.Duration
	// Status says how asset statuses are inferred from location
	// (geofence.StatusRules); the zero value infers none. rtlsd's flags
	// default to geofence.DefaultStatusRules.
	Status geofence.StatusRules
	// ParGrace is how long after the first position a fresh site waits
	// before it judges PAR rules (0: geofence.DefaultWarmup, 10 s).
	ParGrace time.Duration
	// LowBattery is the battery percentage at or below which LOW_BATTERY
	// fires (0: 20); it re-arms at LowBattery+5.
	LowBattery int
	// DuressGap is how long a tag's button must go unreported before a
	// report is a new press (0: 10 s).
	DuressGap time.Duration
	// EventMaxLen and EventMaxAge bound the retained event stream (0: the
	// store's defaults, 1,000,000 events and 7 days; negative: no limit).
	EventMaxLen int64
	EventMaxAge time.Duration
	// Walk holds the costs of stairs and lifts in the walking distances of
	// AssetService.FindNearest (zero fields: the route package's defaults).
	Walk route.Options
	// NoDefaultEvents turns off the default ENTER/EXIT (no rule) of every
	// room and zone (--default-events=false); rules' events and the trail
	// do not depend on it.
	NoDefaultEvents bool
	// TrailRetention is how long trails are kept (0: 720h; negative: no
	// limit); TrailInterval and TrailDistance thin their points within a
	// room (0: 30s and 5m).
	TrailRetention time.Duration
	TrailInterval  time.Duration
	TrailDistance  float64
	// AnalyticsMinCount is the fewest distinct tags an AnalyticsService row
	// needs to be shown (0: analytics.DefaultMinCount, 5); fewer suppress
	// it. AnalyticsRetention is how long the hourly aggregates are kept
	// (0: 2232h, 93 days; negative: no limit).
	AnalyticsMinCount  int
	AnalyticsRetention time.Duration
	// API is the security of the gRPC API: TLS, tokens, limits.
	API APIConfig
	// Clock is the wall clock of the reader front (its future and age
	// checks) and of the pipeline (its watermark); nil is time.Now. Tests
	// set it to drive event time themselves.
	Clock func() time.Time

	// Readers configures the reader front's security (see readers.go).
	Readers ReaderConfig
	// LeaseTTL is how long the site's engine lease lasts without renewal
	// (Redis store; 0: DefaultLeaseTTL, 5 s): a standby takes a dead
	// owner's site over within about LeaseTTL*1.2.
	LeaseTTL time.Duration
	// IngestMaxLen bounds the site's ingest log in batches (Redis store;
	// 0: ingest.DefaultMaxLen): beyond it readers get 5.03.
	IngestMaxLen int64
	// Instance names this rtlsd in the lease and logs (empty:
	// host-pid-random); unique per running process. Restarted under the
	// same name, it takes its lease back at once instead of waiting for
	// it to expire.
	Instance string
	// AdvertiseGRPC is the host:port other instances of the site reach
	// this one's gRPC API at, published with the site's lease while this
	// instance runs the engine; standbys forward the calls that need the
	// engine there. Empty: the bound --grpc-addr, an unspecified host
	// replaced by the host name. With TLS the owner's certificate must
	// be valid for its host.
	AdvertiseGRPC string
	// HostName names the machine this instance runs on (empty: the host
	// name): a standby on a host that runs other sites' engines leaves a
	// free lease to instances on other hosts for two fifths of the lease
	// TTL, so that a campus's sites spread over its hosts.
	HostName string
	// PeerCA is a PEM file of the CAs that issued the instances' API
	// certificates, with which a standby verifies the owner it forwards
	// to (empty: the system's roots).
	PeerCA string

	// Insecure allows plain, unauthenticated CoAP and plaintext,
	// unauthenticated gRPC (--demo implies it); without it rtlsd needs
	// Readers.Keys (DTLS only) and TLS material and credentials for the API.
	Insecure bool
}

// ErrConfig is returned for an invalid configuration; the message names the flag.
var ErrConfig = errors.New("server: invalid config")

// Validate checks the configuration. It reports every problem, each
// naming its flag, in the order of the flags below (stable from run to run).
func (c *Config) Validate() error {
	var errs []error
	bad := func(flag, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s: %s", ErrConfig, flag, fmt.Sprintf(format, args...)))
	}
	if len(c.Floorplans) == 0 && !c.Demo {
		bad("--floorplan", "required unless --demo")
	}
	for _, a := range []struct{ flag, addr string }{
		{"--coap-addr", c.CoAPAddr}, {"--grpc-addr", c.GRPCAddr}, {"--http-addr", c.HTTPAddr}, {"--metrics-addr", c.MetricsAddr},
	} {
		if a.addr == "" && (a.flag == "--metrics-addr" || a.flag == "--http-addr") {
			continue // empty turns /metrics, or the web app and JSON API, off
		}
		if _, _, err := net.SplitHostPort(a.addr); err != nil {
			bad(a.flag, "%v", err)
		}
	}
	if c.RedisURL != "" && !strings.HasPrefix(c.RedisURL, "redis://") && !strings.HasPrefix(c.RedisURL, "rediss://") && !strings.HasPrefix(c.RedisURL, "unix://") {
		bad("--redis", "want redis://host:port/db, rediss:// or unix://")
	}
	switch redisstore.Mode(c.RedisMode) {
	case redisstore.ModeSingle, redisstore.ModeCluster, redisstore.ModeSentinel:
	default:
		bad("--redis-mode", "want cluster, sentinel or empty (one server)")
	}
	if c.LowBattery < 0 || c.LowBattery > 100 {
		return fmt.Errorf("%w: --low-battery: want a percentage 1..100 (0: 20)", ErrConfig)
	}
	if c.ParGrace < 0 || c.DuressGap < 0 {
		return fmt.Errorf("%w: --par-grace and --duress-gap must not be negative", ErrConfig)
	}
	if strings.ContainsAny(c.Site, "{}") {
		bad("--site", "must not contain '{' or '}'")
	}
	if c.Status.InUseDwell < 0 {
		bad("--in-use-dwell", "must not be negative")
	}
	if c.Status.Absence < 0 {
		bad("--missing-after", "must not be negative")
	}
	for _, w := range []struct {
		flag string
		m    float64
	}{{"--walk-stairs-m", c.Walk.StairsPerLevelM}, {"--walk-lift-m", c.Walk.LiftM}, {"--walk-lift-per-level-m", c.Walk.LiftPerLevelM}} {
		if math.IsNaN(w.m) || math.IsInf(w.m, 0) {
			bad(w.flag, "want a finite number of meters")
		}
	}
	if c.Walk.LiftPerLevelM < 0 {
		bad("--walk-lift-per-level-m", "must not be negative")
	}
	if c.TrailInterval < 0 {
		bad("--trail-interval", "must not be negative")
	}
	if c.TrailDistance < 0 {
		bad("--trail-distance", "must not be negative")
	}
	if c.AnalyticsMinCount < 0 {
		bad("--analytics-min-count", "must not be negative")
	}
	if c.IngestMaxLen < 0 {
		bad("--ingest-max-len", "must not be negative")
	}
	if strings.IndexFunc(c.Instance, unicode.IsSpace) >= 0 {
		bad("--instance", "must hold no white space")
	}
	if strings.ContainsAny(c.HostName, "{}") || strings.IndexFunc(c.HostName, unicode.IsSpace) >= 0 {
		bad("--host-name", "must hold no white space, '{' or '}'")
	}
	if c.PeerCA != "" && c.API.TLSCert == "" {
		bad("--peer-ca", "needs --tls-cert and --tls-key (forwarded calls are plaintext without them)")
	}
	if c.AdvertiseGRPC != "" {
		if _, _, err := net.SplitHostPort(c.AdvertiseGRPC); err != nil || strings.IndexFunc(c.AdvertiseGRPC, unicode.IsSpace) >= 0 {
			bad("--advertise-grpc", "want host:port")
		}
	}
	if c.LeaseTTL < 0 || (c.LeaseTTL > 0 && c.LeaseTTL < 300*time.Millisecond) {
		bad("--lease-ttl", "must be 0 (5s) or at least 300ms")
	}
	if err := c.Readers.validate(c.Insecure || c.Demo); err != nil {
		errs = append(errs, err)
	}
	c.API.validate(c.Insecure || c.Demo, c.HTTPAddr, bad)
	return errors.Join(errs...)
}

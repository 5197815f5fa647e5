package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/hospitalrtls/rtls/internal/sim"
)

// errUsage is wrapped by every flag value error.
var errUsage = errors.New("usage")

// config is the command line.
type config struct {
	coapAddr  string
	floorplan string // "" means the embedded demo ward
	tags      int    // 0 means the demo scenario
	duration  time.Duration
	speedup   float64
	format    string
	seed      uint64
	outDir    string
	start     time.Time
	conns     int
	batchMax  int
	logLevel  slog.Level
	sim       sim.Config
}

// defaultDatasetDuration applies with --out-dir when --duration is not set.
const defaultDatasetDuration = time.Hour

func parseFlags(args []string) (config, error) {
	c := config{sim: sim.DefaultConfig(1)}
	fs := flag.NewFlagSet("rtlssim", flag.ContinueOnError)
	fs.StringVar(&c.coapAddr, "coap-addr", "127.0.0.1:5683", "CoAP server to post batches to (host:port)")
	fs.StringVar(&c.floorplan, "floorplan", "", "floorplan GeoJSON file or directory (default: the built-in demo ward)")
	fs.IntVar(&c.tags, "tags", 0, "number of tags (0: the demo's 24; more are generated)")
	fs.DurationVar(&c.duration, "duration", 0, "how long to run, wall time (default: until interrupted); with --out-dir, simulated time (default 1h)")
	fs.Float64Var(&c.speedup, "speedup", 1, "simulated seconds per wall second (load mode)")
	fs.StringVar(&c.format, "format", "json", "payload format: json or cbor")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed: the same seed gives the same run")
	fs.StringVar(&c.outDir, "out-dir", "", "write a data set here instead of sending (no network)")
	start := fs.String("start", sim.DefaultStart.Format(time.RFC3339), "simulated start time with --out-dir (RFC 3339)")
	fs.IntVar(&c.conns, "conns", 8, "UDP connections, bounds the requests in flight (load mode)")
	fs.IntVar(&c.batchMax, "batch-max", 16, "most sightings per batch (16 keeps a JSON batch under 1 KiB, one datagram on any network)")
	fs.Func("log-level", "debug, info, warn or error", func(v string) error {
		return c.logLevel.UnmarshalText([]byte(strings.ToUpper(v)))
	})
	radioFlags(fs, &c.sim)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	t, err := time.Parse(time.RFC3339, *start)
	if err != nil {
		return c, fmt.Errorf("%w: --start: %v", errUsage, err)
	}
	c.start, c.sim.Seed = t, c.seed
	if c.outDir != "" && c.duration == 0 {
		c.duration = defaultDatasetDuration
	}
	return c, c.validate()
}

// radioFlags exposes the simulation's radio and delivery knobs.
func radioFlags(fs *flag.FlagSet, s *sim.Config) {
	fs.Float64Var(&s.NoiseSigmaDB, "noise-db", s.NoiseSigmaDB, "per-packet fading sigma, dB")
	fs.Float64Var(&s.ShadowSigmaDB, "shadow-db", s.ShadowSigmaDB, "shadowing sigma, dB")
	fs.Float64Var(&s.CalibSigmaDB, "calib-db", s.CalibSigmaDB, "per-reader calibration error sigma, dB")
	fs.Float64Var(&s.WallLossDB, "wall-loss-db", s.WallLossDB, "loss per wall, dB")
	fs.Float64Var(&s.FloorLossDB, "floor-loss-db", s.FloorLossDB, "loss per floor, dB")
	fs.Float64Var(&s.PacketLoss, "packet-loss", s.PacketLoss, "chance a reader misses a packet")
	fs.Float64Var(&s.ReaderFailureFraction, "reader-failures", s.ReaderFailureFraction, "fraction of time readers are silent")
	fs.DurationVar(&s.ReaderOutageMean, "reader-outage", s.ReaderOutageMean, "mean length of a reader outage")
	fs.DurationVar(&s.ClockSkewSigma, "clock-skew", s.ClockSkewSigma, "reader clock offset sigma")
	fs.Float64Var(&s.LateFraction, "late-fraction", s.LateFraction, "fraction of sightings delivered late")
	fs.DurationVar(&s.MaxLateness, "max-lateness", s.MaxLateness, "longest extra delay of a late sighting")
	fs.Float64Var(&s.DupFraction, "dup-fraction", s.DupFraction, "fraction of sightings delivered twice")
}

// validate names the flag at fault.
func (c config) validate() error {
	switch {
	case c.tags < 0:
		return fmt.Errorf("%w: --tags must not be negative", errUsage)
	case c.duration < 0:
		return fmt.Errorf("%w: --duration must not be negative", errUsage)
	case !(c.speedup > 0):
		return fmt.Errorf("%w: --speedup must be positive", errUsage)
	case c.format != string(sim.FormatJSON) && c.format != string(sim.FormatCBOR):
		return fmt.Errorf("%w: --format must be json or cbor", errUsage)
	case c.conns < 1:
		return fmt.Errorf("%w: --conns must be at least 1", errUsage)
	case c.batchMax < 1:
		return fmt.Errorf("%w: --batch-max must be at least 1", errUsage)
	case c.outDir == "" && c.coapAddr == "":
		return fmt.Errorf("%w: --coap-addr is required without --out-dir", errUsage)
	}
	if err := c.sim.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

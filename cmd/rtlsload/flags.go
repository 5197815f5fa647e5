package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/load"
)

// options are the command line: the run's configuration and what to do.
type options struct {
	load.Config
	mix      bool   // the hospital mix (load.RunMix) instead of room changes (load.Run)
	jsonPath string // where to write the mix report as JSON ("" for none)
}

// parseFlags reads the command line.
func parseFlags(args []string) (options, error) {
	var o options
	cfg := &o.Config
	var plan string
	fs := flag.NewFlagSet("rtlsload", flag.ContinueOnError)
	fs.StringVar(&cfg.CoAPAddr, "coap-addr", "127.0.0.1:5683", "rtlsd's CoAP address (UDP)")
	fs.StringVar(&cfg.GRPCAddr, "grpc-addr", "127.0.0.1:50051", "rtlsd's gRPC address")
	fs.StringVar(&plan, "floorplan", "floorplans/testdata/synthetic-clinic.geojson", "the floorplan rtlsd serves")
	fs.IntVar(&cfg.Tags, "tags", 200, "tags to move")
	fs.DurationVar(&cfg.Duration, "duration", 60*time.Second, "how long to send batches")
	fs.DurationVar(&cfg.Debounce, "debounce-known", 3*time.Second, "rtlsd's --debounce (subtracted in the report)")
	fs.DurationVar(&cfg.Lateness, "lateness-known", load.DefaultLateness, "rtlsd's engine lateness (subtracted in the report)")
	fs.DurationVar(&cfg.Drain, "drain", 0, "how long to watch after the last batch (0: debounce + lateness + 3s)")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed of the tags' movements")
	fs.IntVar(&cfg.Conns, "conns", 4, "CoAP connections (room changes)")
	m := &cfg.Mix
	fs.BoolVar(&o.mix, "mix", false, "hospital mix: moving and still tags, 3-8 readers per sighting, CBOR batches, a row per --interval")
	fs.Float64Var(&m.MovingShare, "moving-share", 0.2, "with --mix: share of tags moving (1 Hz); the rest are still (0.2 Hz)")
	fs.Float64Var(&m.Rate, "rate", 0, "with --mix: about this many sightings/s (sets the number of tags; 0: --tags)")
	fs.IntVar(&m.BatchMin, "batch-min", 50, "with --mix: fewest sightings in a batch (a reader's last batch of a second may be smaller)")
	fs.IntVar(&m.BatchMax, "batch-max", 200, "with --mix: most sightings in a batch")
	fs.IntVar(&m.EndpointsPerReader, "endpoints-per-reader", 16, "with --mix: UDP endpoints each reader of the plan posts from (one batch in flight each)")
	fs.StringVar(&m.MetricsAddr, "metrics-addr", "127.0.0.1:9464", "with --mix: rtlsd's --metrics-addr, for dropped late, positions, RSS and CPU (empty: none)")
	fs.DurationVar(&m.Interval, "interval", 10*time.Second, "with --mix: reporting interval")
	fs.DurationVar(&m.RampUp, "ramp-up", 10*time.Second, "with --mix: how long the tags take to appear, evenly")
	fs.StringVar(&o.jsonPath, "json", "", "with --mix: also write the report (every interval and the steady state) as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	p, err := floorplans.LoadPaths([]string{plan})
	if err != nil {
		return o, fmt.Errorf("--floorplan: %w", err)
	}
	cfg.Plan = p
	return o, nil
}

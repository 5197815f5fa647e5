package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/load"
)

// parseFlags reads the command line into a load.Config.
func parseFlags(args []string) (load.Config, error) {
	var cfg load.Config
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
	fs.IntVar(&cfg.Conns, "conns", 4, "CoAP connections")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	p, err := floorplans.LoadPaths([]string{plan})
	if err != nil {
		return cfg, fmt.Errorf("--floorplan: %w", err)
	}
	cfg.Plan = p
	return cfg, nil
}

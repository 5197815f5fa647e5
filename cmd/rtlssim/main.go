// Command rtlssim simulates a hospital ward (or any floorplan): tags walk,
// readers hear them. It either posts the readers' batches to a CoAP server
// in real time as a load generator, or, with --out-dir, writes a data set
// (sightings.jsonl, truth.jsonl, floorplan.geojson) as fast as it can.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rtlssim:", err)
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.logLevel}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, log); err != nil {
		log.Error("rtlssim stopped", "err", err)
		os.Exit(1)
	}
}

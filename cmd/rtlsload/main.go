// Command rtlsload drives load against a running rtlsd with real CoAP
// batches and watches its event stream over gRPC. By default it moves tags
// through room changes and reports the latency from a change's batches to
// its ENTER; with --mix it plays the hospital mix (moving and still tags,
// synchronised readers, CBOR batches) and reports every interval what was
// offered, acknowledged, refused and dropped, latencies and rtlsd's RSS.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/hospitalrtls/rtls/internal/load"
)

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "rtlsload:", err)
		os.Exit(2)
	}
	o.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		o.Log.Error("rtlsload failed", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if !o.mix {
		rep, err := load.Run(ctx, o.Config)
		if err != nil {
			return err
		}
		rep.Write(os.Stdout)
		return nil
	}
	o.Mix.Out = os.Stdout
	rep, err := load.RunMix(ctx, o.Config)
	if err != nil && len(rep.Intervals) == 0 {
		return err
	}
	rep.Write(os.Stdout)
	if o.jsonPath != "" {
		f, ferr := os.Create(o.jsonPath)
		if ferr != nil {
			return ferr
		}
		defer f.Close()
		if ferr := rep.WriteJSON(f); ferr != nil {
			return ferr
		}
	}
	return err
}

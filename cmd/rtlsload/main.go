// Command rtlsload drives tags through room changes against a running
// rtlsd with real CoAP batches, watches its event stream over gRPC and
// reports the event rate and the latency from the batches that complete a
// room change to its ENTER event.
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
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "rtlsload:", err)
		os.Exit(2)
	}
	cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := load.Run(ctx, cfg)
	if err != nil {
		cfg.Log.Error("rtlsload failed", "err", err)
		os.Exit(1)
	}
	rep.Write(os.Stdout)
}

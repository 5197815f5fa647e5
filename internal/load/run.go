// Package load drives tags through room changes against a running rtlsd
// with real CoAP batches (the scripted simulation of internal/sim, and its
// sender), watches its event stream over gRPC and measures the event rate
// and the latency from a room change's batches to its ENTER.
package load

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/sim"
)

// ErrConfig is returned for an invalid Config; the message names the field.
var ErrConfig = errors.New("load: config")

// ErrStream is returned when the event watch ends before the run does.
var ErrStream = errors.New("load: event stream ended")

// DefaultLateness is the location engine's default LatenessMS.
const DefaultLateness = 3 * time.Second

// Config describes one load run.
type Config struct {
	// CoAPAddr and GRPCAddr are rtlsd's addresses.
	CoAPAddr, GRPCAddr string
	// Plan is the floorplan rtlsd serves: its readers and rooms.
	Plan *floorplans.Plan
	// Tags is how many tags move; Duration how long batches are sent.
	Tags     int
	Duration time.Duration
	// Debounce and Lateness are the server's geofence debounce and engine
	// lateness, which delay every ENTER by design; the report subtracts
	// them.
	Debounce, Lateness time.Duration
	// Drain is how long the watch goes on after the last batch (0:
	// debounce + lateness + 3 s), for the ENTERs of the last changes.
	Drain time.Duration
	// Seed drives the tags' choices; Prefix starts every tag id ("" picks
	// "LOAD-<random>-" so that runs do not mix).
	Seed   uint64
	Prefix string
	// Conns is how many CoAP connections send batches (0: 4).
	Conns int
	// Log receives progress (never tag ids); nil discards it.
	Log *slog.Logger
	// Mix configures RunMix, the hospital mix; Run ignores it.
	Mix MixConfig
}

func (c *Config) validate() error {
	switch {
	case c.Plan == nil:
		return fmt.Errorf("%w: floorplan: required", ErrConfig)
	case c.Tags <= 0 && c.Mix.Rate <= 0:
		return fmt.Errorf("%w: tags: must be > 0", ErrConfig)
	case c.Duration < time.Second:
		return fmt.Errorf("%w: duration: at least 1s", ErrConfig)
	case c.Debounce < 0 || c.Lateness < 0 || c.Drain < 0:
		return fmt.Errorf("%w: debounce, lateness, drain: must not be negative", ErrConfig)
	}
	if c.Drain == 0 {
		c.Drain = c.Debounce + c.Lateness + 3*time.Second
	}
	if c.Conns <= 0 {
		c.Conns = 4
	}
	if c.Prefix == "" {
		var b [3]byte
		_, _ = rand.Read(b[:])
		c.Prefix = "LOAD-" + hex.EncodeToString(b[:]) + "-"
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Run drives cfg.Tags tags for cfg.Duration: each second, at a whole
// second of the wall clock, every reader that hears a tag posts one batch
// stamped with that second. It watches the event stream meanwhile and
// returns what it measured.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if err := cfg.validate(); err != nil {
		return Report{}, err
	}
	mob, err := newMobility(cfg.Plan, cfg.Tags, cfg.Prefix, cfg.Seed)
	if err != nil {
		return Report{}, err
	}
	cc, err := grpc.NewClient(cfg.GRPCAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return Report{}, fmt.Errorf("load: --grpc-addr: %w", err)
	}
	defer cc.Close()
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	w, err := watch(wctx, cc, cfg.Prefix)
	if err != nil {
		return Report{}, err
	}
	snd, err := sim.Dial(cfg.CoAPAddr, cfg.Conns, sim.FormatJSON)
	if err != nil {
		return Report{}, err
	}
	defer snd.Close(0)
	d := &driver{cfg: cfg, mob: mob, snd: snd, sent: map[int64]time.Time{}}
	if err := d.run(ctx, w); err != nil {
		return Report{}, err
	}
	events, others := w.snapshot()
	return d.report(events, others), nil
}

package server

import (
	"context"
	"log/slog"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/demo"
	"github.com/hospitalrtls/rtls/internal/sim"
)

// runDemo drives the simulated ward: tags move, readers post real CoAP
// batches to the server's own address.
func runDemo(ctx context.Context, cfg Config, plan *floorplans.Plan, coapAddr string, log *slog.Logger) error {
	var tags []sim.TagSpec
	for _, t := range demo.Tags() {
		tags = append(tags, sim.TagSpec{ID: t.ID, Class: sim.Class(t.Class)})
	}
	if cfg.DemoTags > 0 {
		tags = sim.Generate(tags, cfg.DemoTags)
	}
	log.Info("demo: simulating the ward", "tags", len(tags))
	err := sim.Run(ctx, sim.RunConfig{Addr: coapAddr, Tags: tags, Sim: sim.DefaultConfig(1)}, plan, log)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

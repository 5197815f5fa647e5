package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/demo"
	"github.com/hospitalrtls/rtls/internal/sim"
)

// run loads the plan and the tags, then sends or writes a data set.
func run(ctx context.Context, cfg config, log *slog.Logger) error {
	plan, raw, err := loadPlan(cfg.floorplan)
	if err != nil {
		return err
	}
	tags := demoTags()
	if cfg.tags > 0 {
		tags = sim.Generate(tags, cfg.tags)
	}
	if cfg.outDir != "" {
		return writeDataset(ctx, cfg, plan, raw, tags, log)
	}
	return sim.Run(ctx, sim.RunConfig{
		Addr: cfg.coapAddr, Tags: tags, Sim: cfg.sim, Batch: batchConfig(cfg),
		Format: sim.Format(cfg.format), Duration: cfg.duration, Speedup: cfg.speedup, Conns: cfg.conns,
	}, plan, log)
}

// loadPlan reads the plan (the demo ward when path is empty) and returns
// it with the GeoJSON it came from (nil for a directory).
func loadPlan(path string) (*floorplans.Plan, []byte, error) {
	if path == "" {
		raw := demo.Floorplan()
		plan, err := floorplans.Parse(raw, "demo ward")
		return plan, raw, err
	}
	plan, err := floorplans.LoadPaths([]string{path})
	if err != nil {
		return nil, nil, fmt.Errorf("--floorplan: %w", err)
	}
	if info, err := os.Stat(path); err == nil && !info.IsDir() {
		raw, err := os.ReadFile(path)
		return plan, raw, err
	}
	return plan, nil, nil
}

// batchConfig is the default batching with --seed and --batch-max.
func batchConfig(cfg config) sim.BatchConfig {
	b := sim.DefaultBatchConfig(cfg.seed)
	b.MaxSightings = cfg.batchMax
	return b
}

// demoTags returns the demo scenario as simulation tags.
func demoTags() []sim.TagSpec {
	var out []sim.TagSpec
	for _, t := range demo.Tags() {
		out = append(out, sim.TagSpec{ID: t.ID, Class: sim.Class(t.Class)})
	}
	return out
}

// writeDataset writes floorplan.geojson, sightings.jsonl and truth.jsonl.
func writeDataset(ctx context.Context, cfg config, plan *floorplans.Plan, raw []byte, tags []sim.TagSpec, log *slog.Logger) error {
	if err := os.MkdirAll(cfg.outDir, 0o755); err != nil {
		return err
	}
	if raw != nil {
		if err := os.WriteFile(filepath.Join(cfg.outDir, "floorplan.geojson"), raw, 0o644); err != nil {
			return err
		}
	}
	sf, err := os.Create(filepath.Join(cfg.outDir, "sightings.jsonl"))
	if err != nil {
		return err
	}
	defer sf.Close()
	tf, err := os.Create(filepath.Join(cfg.outDir, "truth.jsonl"))
	if err != nil {
		return err
	}
	defer tf.Close()
	simCfg := cfg.sim
	simCfg.Start = cfg.start
	began := time.Now()
	st, err := sim.WriteDataset(ctx, plan, sim.DatasetConfig{
		Sim: simCfg, Batch: batchConfig(cfg), Tags: tags, Duration: cfg.duration,
	}, sf, tf)
	if err != nil {
		return err
	}
	if err := sf.Close(); err != nil {
		return err
	}
	if err := tf.Close(); err != nil {
		return err
	}
	log.Info("rtlssim: data set written", "dir", cfg.outDir, "tags", len(tags), "simulated", cfg.duration,
		"sightings", st.Sightings, "batches", st.Batches, "truth_rows", st.TruthRows,
		"took", time.Since(began).Round(time.Millisecond))
	return nil
}

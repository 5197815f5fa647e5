package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/demo"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

// openFence builds the geofence engine: zones, rules and tags persisted in
// the store, overlaid by the --rules and --tags files (the file wins for
// the ids it names), then the runtime state the store holds, so a restart
// neither repeats nor loses events.
func openFence(ctx context.Context, cfg Config, plan *floorplans.Plan, st store.Store, log *slog.Logger) (*geofence.Engine, error) {
	zones, err := loadConfig[geofence.Zone](ctx, st, store.ConfigZone)
	if err != nil {
		return nil, err
	}
	rules, err := loadConfig[geofence.Rule](ctx, st, store.ConfigRule)
	if err != nil {
		return nil, err
	}
	tags, err := loadConfig[geofence.Tag](ctx, st, store.ConfigTag)
	if err != nil {
		return nil, err
	}
	if cfg.RulesFile != "" {
		fileRules, err := geofence.LoadRulesFile(cfg.RulesFile)
		if err != nil {
			return nil, fmt.Errorf("server: --rules: %w", err)
		}
		for _, r := range fileRules {
			rules[r.ID] = r
		}
	}
	if cfg.Demo && len(cfg.Floorplans) == 0 {
		for _, t := range demo.Tags() {
			if _, ok := tags[t.ID]; !ok {
				if tags[t.ID], err = demoTag(t); err != nil {
					return nil, err
				}
			}
		}
	}
	if cfg.TagsFile != "" {
		reg, err := geofence.LoadRegistryFile(cfg.TagsFile)
		if err != nil {
			return nil, fmt.Errorf("server: --tags: %w", err)
		}
		for _, t := range reg.Tags() {
			tags[t.ID] = t
		}
	}
	reg, err := geofence.NewRegistry(sortedValues(tags))
	if err != nil {
		return nil, fmt.Errorf("server: tag registry: %w", err)
	}
	fence, err := geofence.New(plan, geofence.Config{Debounce: cfg.Debounce, Warmup: cfg.ParGrace, NoDefaultEvents: cfg.NoDefaultEvents,
		Zones: sortedValues(zones), Status: &cfg.Status, Logger: log},
		sortedValues(rules), reg)
	if err != nil {
		return nil, fmt.Errorf("server: geofence: %w", err)
	}
	parts, err := st.LoadFence(ctx)
	if err != nil {
		return nil, fmt.Errorf("server: geofence state: %w", err)
	}
	if len(parts) > 0 {
		if err := fence.RestoreParts(parts); err != nil {
			return nil, fmt.Errorf("server: geofence state: %w", err)
		}
	}
	log.Info("geofence ready", "zones", len(fence.Zones("")), "rules", len(rules), "tags", reg.Len(), "restored_parts", len(parts))
	return fence, nil
}

// loadConfig decodes the persisted configuration of one kind, by id.
func loadConfig[T any](ctx context.Context, st store.Store, kind string) (map[string]T, error) {
	raw, err := st.LoadConfig(ctx, kind)
	if err != nil {
		return nil, fmt.Errorf("server: stored %ss: %w", kind, err)
	}
	out := make(map[string]T, len(raw))
	for id, b := range raw {
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, fmt.Errorf("server: stored %s %q: %w", kind, id, err)
		}
		out[id] = v
	}
	return out, nil
}

func sortedValues[T any](m map[string]T) []T {
	out := make([]T, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[k])
	}
	return out
}

// demoTag converts a tag of the demo scenario to a registry entry.
func demoTag(t demo.Tag) (geofence.Tag, error) {
	tag := geofence.Tag{ID: t.ID, Class: t.Class, Type: t.Type, Name: t.Name, Status: t.Status,
		Unit: t.Unit, Role: t.Role, Serial: t.Serial, Model: t.Model, Department: t.Department,
		EncounterRef: t.EncounterRef}
	if t.MaintenanceDue != "" {
		due, err := time.Parse(time.DateOnly, t.MaintenanceDue)
		if err != nil {
			return tag, fmt.Errorf("server: demo tag maintenance date: %w", err)
		}
		tag.MaintenanceDue = due.UnixMilli()
	}
	return tag, nil
}

package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

// ErrNotStored is returned by a configuration change that was applied but
// could not be written yet: the pipeline keeps retrying it.
var ErrNotStored = errors.New("pipeline: change applied but not yet stored; retrying")

// command is a change to the geofence configuration, or a read of it, run
// by the geofence stage (the geofence engine's only user) at the current
// watermark. A
// change returns the events it causes and the configuration to persist with
// them; a read returns neither and writes nothing.
type command struct {
	fn   func(now int64) ([]geofence.Event, []store.ConfigChange, error)
	read bool
	done chan error
}

// do runs a change on the geofence stage and waits until its effects are
// in the store.
func (p *Pipeline) do(ctx context.Context, fn func(now int64) ([]geofence.Event, []store.ConfigChange, error)) error {
	return p.run(ctx, command{fn: fn, done: make(chan error, 1)})
}

// read runs fn, which only reads the geofence engine, on the geofence
// stage.
func (p *Pipeline) read(ctx context.Context, fn func() error) error {
	return p.run(ctx, command{read: true, done: make(chan error, 1),
		fn: func(int64) ([]geofence.Event, []store.ConfigChange, error) { return nil, nil, fn() }})
}

// run hands c to the geofence stage and waits for its result.
func (p *Pipeline) run(ctx context.Context, c command) error {
	select {
	case p.cmds <- c:
	case <-p.stopped:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-c.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// execute runs a command on the geofence stage; a change is handed to the
// writer at once, together with whatever positions and events were
// pending, and c.done is told when it is written (ErrNotStored when the
// first write attempt failed: the writer keeps retrying).
func (p *Pipeline) execute(c command) {
	// a change takes effect at the watermark, but never before an event
	// already emitted (reader clocks may run ahead of the server's)
	f := &p.geofences
	evs, cfg, err := c.fn(max(p.watermark(), f.newest))
	if err != nil || c.read {
		c.done <- err
		return
	}
	f.pending.Events = append(f.pending.Events, evs...)
	f.pending.Config = append(f.pending.Config, cfg...)
	p.commit(c.done, 0, nil)
}

// configChange is the stored form of an item of kind; a nil v deletes it.
func configChange(kind, id string, v any) ([]store.ConfigChange, error) {
	if v == nil {
		return []store.ConfigChange{{Kind: kind, ID: id}}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return []store.ConfigChange{{Kind: kind, ID: id, Data: b}}, nil
}

// CreateRule creates a rule whose id is not in use (else
// geofence.ErrExists) and returns it as stored. The check and the write are
// one step of the pipeline goroutine: of concurrent creates of one id,
// exactly one succeeds.
func (p *Pipeline) CreateRule(ctx context.Context, r geofence.Rule) (geofence.Rule, error) {
	return p.putRule(ctx, r, p.fence.CreateRule)
}

// UpdateRule replaces a rule the engine holds (else
// geofence.ErrUnknownRule) and returns it as stored.
func (p *Pipeline) UpdateRule(ctx context.Context, r geofence.Rule) (geofence.Rule, error) {
	return p.putRule(ctx, r, p.fence.UpdateRule)
}

// putRule runs put, CreateRule or UpdateRule of the engine, on the
// pipeline goroutine and returns the rule as stored.
func (p *Pipeline) putRule(ctx context.Context, r geofence.Rule, put func(geofence.Rule, int64) ([]geofence.Event, error)) (geofence.Rule, error) {
	var got geofence.Rule
	err := p.do(ctx, func(now int64) ([]geofence.Event, []store.ConfigChange, error) {
		evs, err := put(r, now)
		if err != nil {
			return nil, nil, err
		}
		got, _ = p.fence.Rule(r.ID)
		cfg, err := configChange(store.ConfigRule, got.ID, got)
		return evs, cfg, err
	})
	return got, err
}

// DeleteRule removes a rule, clearing what it held (EXIT for the tags it
// covered).
func (p *Pipeline) DeleteRule(ctx context.Context, id string) error {
	return p.do(ctx, func(now int64) ([]geofence.Event, []store.ConfigChange, error) {
		evs, err := p.fence.DeleteRule(id, now)
		if err != nil {
			return nil, nil, err
		}
		cfg, err := configChange(store.ConfigRule, id, nil)
		return evs, cfg, err
	})
}

// Rule returns one rule.
func (p *Pipeline) Rule(ctx context.Context, id string) (geofence.Rule, error) {
	var r geofence.Rule
	err := p.read(ctx, func() error {
		var ok bool
		if r, ok = p.fence.Rule(id); !ok {
			return fmt.Errorf("%w: %q", geofence.ErrUnknownRule, id)
		}
		return nil
	})
	return r, err
}

// Rules returns every rule.
func (p *Pipeline) Rules(ctx context.Context) ([]geofence.Rule, error) {
	var rules []geofence.Rule
	err := p.read(ctx, func() error { rules = p.fence.Rules(); return nil })
	return rules, err
}

// CreateZone creates a drawn zone whose id is neither a zone nor a room
// (else geofence.ErrExists), in one step as CreateRule, and returns it as
// stored.
func (p *Pipeline) CreateZone(ctx context.Context, z geofence.Zone) (geofence.Zone, error) {
	var got geofence.Zone
	err := p.do(ctx, func(int64) ([]geofence.Event, []store.ConfigChange, error) {
		if err := p.fence.CreateZone(z); err != nil {
			return nil, nil, err
		}
		got, _ = p.fence.Zone(z.ID)
		cfg, err := configChange(store.ConfigZone, got.ID, got)
		return nil, cfg, err
	})
	return got, err
}

// DeleteZone removes a drawn zone; every tag inside gets an EXIT.
func (p *Pipeline) DeleteZone(ctx context.Context, id string) error {
	return p.do(ctx, func(now int64) ([]geofence.Event, []store.ConfigChange, error) {
		evs, err := p.fence.DeleteZone(id, now)
		if err != nil {
			return nil, nil, err
		}
		cfg, err := configChange(store.ConfigZone, id, nil)
		return evs, cfg, err
	})
}

// Zone returns one zone (rooms and plan zones included).
func (p *Pipeline) Zone(ctx context.Context, id string) (geofence.Zone, error) {
	var z geofence.Zone
	err := p.read(ctx, func() error {
		var ok bool
		if z, ok = p.fence.Zone(id); !ok {
			return fmt.Errorf("%w: %q", geofence.ErrUnknownZone, id)
		}
		return nil
	})
	return z, err
}

// Zones returns the zones of a level ("" for all).
func (p *Pipeline) Zones(ctx context.Context, level string) ([]geofence.Zone, error) {
	var zones []geofence.Zone
	err := p.read(ctx, func() error { zones = p.fence.Zones(level); return nil })
	return zones, err
}

// PutTag adds or replaces a tag in the registry; a new status is a status
// change (source "api") stored and emitted with it.
func (p *Pipeline) PutTag(ctx context.Context, t geofence.Tag) (geofence.Tag, error) {
	var got geofence.Tag
	err := p.do(ctx, func(now int64) ([]geofence.Event, []store.ConfigChange, error) {
		got0, evs, err := p.fence.PutTag(t, now)
		if err != nil {
			return nil, nil, err
		}
		got = got0
		cfg, err := configChange(store.ConfigTag, got.ID, got)
		return evs, cfg, err
	})
	return got, err
}

// DeleteTag removes a tag from the registry.
func (p *Pipeline) DeleteTag(ctx context.Context, id string) error {
	return p.do(ctx, func(int64) ([]geofence.Event, []store.ConfigChange, error) {
		if err := p.fence.DeleteTag(id); err != nil {
			return nil, nil, err
		}
		cfg, err := configChange(store.ConfigTag, id, nil)
		return nil, cfg, err
	})
}

// Tag returns one registered tag.
func (p *Pipeline) Tag(ctx context.Context, id string) (geofence.Tag, error) {
	var t geofence.Tag
	err := p.read(ctx, func() error {
		var ok bool
		if t, ok = p.fence.Tag(id); !ok {
			return fmt.Errorf("%w: %q", geofence.ErrUnknownTag, id)
		}
		return nil
	})
	return t, err
}

// Tags returns the registry, ordered by id.
func (p *Pipeline) Tags(ctx context.Context) ([]geofence.Tag, error) {
	var tags []geofence.Tag
	err := p.read(ctx, func() error { tags = p.fence.Tags(); return nil })
	slices.SortFunc(tags, func(a, b geofence.Tag) int { return strings.Compare(a.ID, b.ID) })
	return tags, err
}

// ZonesOf resolves an event filter's group ("category:<c>" or
// "rule:<id>", see geofence.GroupZones).
func (p *Pipeline) ZonesOf(ctx context.Context, group string) ([]string, error) {
	var zones []string
	err := p.read(ctx, func() error {
		zones = geofence.GroupZones(group, p.fence.Zones(""), p.fence.Rules())
		return nil
	})
	return zones, err
}

// KnownZone reports whether a zone or room with this id exists.
func (p *Pipeline) KnownZone(ctx context.Context, id string) (bool, error) {
	var ok bool
	err := p.read(ctx, func() error {
		_, ok = p.fence.Zone(id)
		return nil
	})
	return ok, err
}

// KnownGroup reports whether a group id of an event filter names an
// existing category or rule (see geofence.KnownGroup).
func (p *Pipeline) KnownGroup(ctx context.Context, group string) (bool, error) {
	var ok bool
	err := p.read(ctx, func() error {
		ok = geofence.KnownGroup(group, p.fence.Zones(""), p.fence.Rules())
		return nil
	})
	return ok, err
}

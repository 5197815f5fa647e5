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

// Config kinds under which zones, rules and tags are persisted.
const (
	KindRule = "rule"
	KindZone = "zone"
	KindTag  = "tag"
)

// ErrNotStored is returned by a configuration change that was applied but
// could not be written yet: the pipeline keeps retrying it.
var ErrNotStored = errors.New("pipeline: change applied but not yet stored; retrying")

// command is a change to the geofence configuration, run by Run's
// goroutine at the current watermark; it returns the events it causes and
// the configuration to persist with them.
type command struct {
	fn   func(now int64) ([]geofence.Event, []store.ConfigChange, error)
	done chan error
}

// do runs fn on the pipeline goroutine and waits until its effects are in
// the store.
func (p *Pipeline) do(ctx context.Context, fn func(now int64) ([]geofence.Event, []store.ConfigChange, error)) error {
	c := command{fn: fn, done: make(chan error, 1)}
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

// execute applies a command and writes its effects at once, together with
// whatever positions and events were pending.
func (p *Pipeline) execute(ctx context.Context, c command) {
	// a change takes effect at the watermark, but never before an event
	// already emitted (reader clocks may run ahead of the server's)
	evs, cfg, err := c.fn(max(p.watermark(), p.newest))
	if err != nil {
		c.done <- err
		return
	}
	p.pending.Events = append(p.pending.Events, evs...)
	p.pending.Config = append(p.pending.Config, cfg...)
	if !p.commit(ctx) {
		c.done <- ErrNotStored
		return
	}
	c.done <- nil
}

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

// PutRule creates or replaces a rule.
func (p *Pipeline) PutRule(ctx context.Context, r geofence.Rule) (geofence.Rule, error) {
	err := p.do(ctx, func(now int64) ([]geofence.Event, []store.ConfigChange, error) {
		evs, err := p.fence.PutRule(r, now)
		if err != nil {
			return nil, nil, err
		}
		cfg, err := configChange(KindRule, r.ID, r)
		return evs, cfg, err
	})
	if err != nil {
		return geofence.Rule{}, err
	}
	got, _ := p.fence.Rule(r.ID)
	return got, nil
}

// DeleteRule removes a rule, clearing what it held (EXIT for the tags it
// covered).
func (p *Pipeline) DeleteRule(ctx context.Context, id string) error {
	return p.do(ctx, func(now int64) ([]geofence.Event, []store.ConfigChange, error) {
		evs, err := p.fence.DeleteRule(id, now)
		if err != nil {
			return nil, nil, err
		}
		cfg, err := configChange(KindRule, id, nil)
		return evs, cfg, err
	})
}

// Rule returns one rule.
func (p *Pipeline) Rule(_ context.Context, id string) (geofence.Rule, error) {
	r, ok := p.fence.Rule(id)
	if !ok {
		return geofence.Rule{}, fmt.Errorf("%w: %q", geofence.ErrUnknownRule, id)
	}
	return r, nil
}

// Rules returns every rule.
func (p *Pipeline) Rules(context.Context) ([]geofence.Rule, error) { return p.fence.Rules(), nil }

// PutZone creates a drawn zone.
func (p *Pipeline) PutZone(ctx context.Context, z geofence.Zone) error {
	return p.do(ctx, func(int64) ([]geofence.Event, []store.ConfigChange, error) {
		if err := p.fence.PutZone(z); err != nil {
			return nil, nil, err
		}
		cfg, err := configChange(KindZone, z.ID, z)
		return nil, cfg, err
	})
}

// DeleteZone removes a drawn zone; every tag inside gets an EXIT.
func (p *Pipeline) DeleteZone(ctx context.Context, id string) error {
	return p.do(ctx, func(now int64) ([]geofence.Event, []store.ConfigChange, error) {
		evs, err := p.fence.DeleteZone(id, now)
		if err != nil {
			return nil, nil, err
		}
		cfg, err := configChange(KindZone, id, nil)
		return evs, cfg, err
	})
}

// Zone returns one zone (rooms and plan zones included).
func (p *Pipeline) Zone(_ context.Context, id string) (geofence.Zone, error) {
	z, ok := p.fence.Zone(id)
	if !ok {
		return geofence.Zone{}, fmt.Errorf("%w: %q", geofence.ErrUnknownZone, id)
	}
	return z, nil
}

// Zones returns the zones of a level ("" for all).
func (p *Pipeline) Zones(_ context.Context, level string) ([]geofence.Zone, error) {
	return p.fence.Zones(level), nil
}

// PutTag adds or replaces a tag in the registry.
func (p *Pipeline) PutTag(ctx context.Context, t geofence.Tag) (geofence.Tag, error) {
	var got geofence.Tag
	err := p.do(ctx, func(int64) ([]geofence.Event, []store.ConfigChange, error) {
		var err error
		if got, err = p.fence.PutTag(t); err != nil {
			return nil, nil, err
		}
		cfg, err := configChange(KindTag, got.ID, got)
		return nil, cfg, err
	})
	return got, err
}

// DeleteTag removes a tag from the registry.
func (p *Pipeline) DeleteTag(ctx context.Context, id string) error {
	return p.do(ctx, func(int64) ([]geofence.Event, []store.ConfigChange, error) {
		if err := p.fence.DeleteTag(id); err != nil {
			return nil, nil, err
		}
		cfg, err := configChange(KindTag, id, nil)
		return nil, cfg, err
	})
}

// Tag returns one registered tag.
func (p *Pipeline) Tag(_ context.Context, id string) (geofence.Tag, error) {
	t, ok := p.fence.Registry().Get(id)
	if !ok {
		return geofence.Tag{}, fmt.Errorf("%w: %q", geofence.ErrUnknownTag, id)
	}
	return t, nil
}

// Tags returns the registry, ordered by id.
func (p *Pipeline) Tags(context.Context) ([]geofence.Tag, error) {
	tags := p.fence.Registry().Tags()
	slices.SortFunc(tags, func(a, b geofence.Tag) int { return strings.Compare(a.ID, b.ID) })
	return tags, nil
}

// ZonesOf resolves an event filter's group ("category:<c>" or
// "rule:<id>", see geofence.GroupZones).
func (p *Pipeline) ZonesOf(group string) []string {
	return geofence.GroupZones(group, p.fence.Zones(""), p.fence.Rules())
}

// KnownZone reports whether a zone or room with this id exists.
func (p *Pipeline) KnownZone(id string) bool {
	_, ok := p.fence.Zone(id)
	return ok
}

// KnownGroup reports whether a group id of an event filter names an
// existing category or rule (see geofence.KnownGroup).
func (p *Pipeline) KnownGroup(group string) bool {
	return geofence.KnownGroup(group, p.fence.Zones(""), p.fence.Rules())
}

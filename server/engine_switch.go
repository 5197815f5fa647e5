package server

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/pipeline"
	"github.com/hospitalrtls/rtls/store"
)

// ErrNotOwner is returned (wrapped in store.ErrUnavailable) by the API's
// geofence, registry and explain calls on an instance that does not run
// the site's engine: the engine holds that state, and only its owner
// changes it. Such a call is forwarded to the owner (forward.go); API
// clients get it, as UNAVAILABLE, only while no owner is known.
var ErrNotOwner = errors.New("server: this instance does not run the site's engine; use the instance that owns it")

// errNotOwner is what the API gets from engineSwitch on a standby.
var errNotOwner = fmt.Errorf("%w: %w", store.ErrUnavailable, ErrNotOwner)

// engineSwitch is the site's engine as the API sees it: the pipeline while
// this instance runs it, errNotOwner otherwise. With the embedded store it
// always holds the one pipeline.
type engineSwitch struct {
	cur atomic.Pointer[running]
}

// running is the pipeline in use and a channel closed once a write of it
// was refused because another instance holds the site's lease (nil: never).
type running struct {
	pipe       *pipeline.Pipeline
	superseded <-chan struct{}
}

// set makes p the pipeline in use (nil: none); superseded as in running.
func (e *engineSwitch) set(p *pipeline.Pipeline, superseded <-chan struct{}) {
	if p == nil {
		e.cur.Store(nil)
		return
	}
	e.cur.Store(&running{pipe: p, superseded: superseded})
}

// on calls f with the pipeline in use, or returns errNotOwner; a failure
// after another instance took the site over is errNotOwner too. Either
// marks ctx's call as one the engine's owner must answer (noteMiss).
func on[T any](ctx context.Context, e *engineSwitch, f func(*pipeline.Pipeline) (T, error)) (T, error) {
	r := e.cur.Load()
	if r == nil {
		noteMiss(ctx)
		var zero T
		return zero, errNotOwner
	}
	v, err := f(r.pipe)
	if err != nil && closed(r.superseded) {
		noteMiss(ctx)
		return v, errNotOwner
	}
	return v, err
}

// closed reports whether c is closed; a nil c never is.
func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return c != nil
	default:
		return false
	}
}

// onErr is on for calls that return only an error.
func onErr(ctx context.Context, e *engineSwitch, f func(*pipeline.Pipeline) error) error {
	_, err := on(ctx, e, func(p *pipeline.Pipeline) (struct{}, error) { return struct{}{}, f(p) })
	return err
}

// CreateRule forwards to the pipeline.
func (e *engineSwitch) CreateRule(ctx context.Context, r geofence.Rule) (geofence.Rule, error) {
	return on(ctx, e, func(p *pipeline.Pipeline) (geofence.Rule, error) { return p.CreateRule(ctx, r) })
}

// UpdateRule forwards to the pipeline.
func (e *engineSwitch) UpdateRule(ctx context.Context, r geofence.Rule) (geofence.Rule, error) {
	return on(ctx, e, func(p *pipeline.Pipeline) (geofence.Rule, error) { return p.UpdateRule(ctx, r) })
}

// DeleteRule forwards to the pipeline.
func (e *engineSwitch) DeleteRule(ctx context.Context, id string) error {
	return onErr(ctx, e, func(p *pipeline.Pipeline) error { return p.DeleteRule(ctx, id) })
}

// Rule forwards to the pipeline.
func (e *engineSwitch) Rule(ctx context.Context, id string) (geofence.Rule, error) {
	return on(ctx, e, func(p *pipeline.Pipeline) (geofence.Rule, error) { return p.Rule(ctx, id) })
}

// Rules forwards to the pipeline.
func (e *engineSwitch) Rules(ctx context.Context) ([]geofence.Rule, error) {
	return on(ctx, e, func(p *pipeline.Pipeline) ([]geofence.Rule, error) { return p.Rules(ctx) })
}

// CreateZone forwards to the pipeline.
func (e *engineSwitch) CreateZone(ctx context.Context, z geofence.Zone) (geofence.Zone, error) {
	return on(ctx, e, func(p *pipeline.Pipeline) (geofence.Zone, error) { return p.CreateZone(ctx, z) })
}

// DeleteZone forwards to the pipeline.
func (e *engineSwitch) DeleteZone(ctx context.Context, id string) error {
	return onErr(ctx, e, func(p *pipeline.Pipeline) error { return p.DeleteZone(ctx, id) })
}

// Zone forwards to the pipeline.
func (e *engineSwitch) Zone(ctx context.Context, id string) (geofence.Zone, error) {
	return on(ctx, e, func(p *pipeline.Pipeline) (geofence.Zone, error) { return p.Zone(ctx, id) })
}

// Zones forwards to the pipeline.
func (e *engineSwitch) Zones(ctx context.Context, level string) ([]geofence.Zone, error) {
	return on(ctx, e, func(p *pipeline.Pipeline) ([]geofence.Zone, error) { return p.Zones(ctx, level) })
}

// PutTag forwards to the pipeline.
func (e *engineSwitch) PutTag(ctx context.Context, t geofence.Tag) (geofence.Tag, error) {
	return on(ctx, e, func(p *pipeline.Pipeline) (geofence.Tag, error) { return p.PutTag(ctx, t) })
}

// DeleteTag forwards to the pipeline.
func (e *engineSwitch) DeleteTag(ctx context.Context, id string) error {
	return onErr(ctx, e, func(p *pipeline.Pipeline) error { return p.DeleteTag(ctx, id) })
}

// Tag forwards to the pipeline.
func (e *engineSwitch) Tag(ctx context.Context, id string) (geofence.Tag, error) {
	return on(ctx, e, func(p *pipeline.Pipeline) (geofence.Tag, error) { return p.Tag(ctx, id) })
}

// Tags forwards to the pipeline.
func (e *engineSwitch) Tags(ctx context.Context) ([]geofence.Tag, error) {
	return on(ctx, e, func(p *pipeline.Pipeline) ([]geofence.Tag, error) { return p.Tags(ctx) })
}

// ZonesOf forwards to the pipeline.
func (e *engineSwitch) ZonesOf(ctx context.Context, group string) ([]string, error) {
	return on(ctx, e, func(p *pipeline.Pipeline) ([]string, error) { return p.ZonesOf(ctx, group) })
}

// KnownZone forwards to the pipeline.
func (e *engineSwitch) KnownZone(ctx context.Context, id string) (bool, error) {
	return on(ctx, e, func(p *pipeline.Pipeline) (bool, error) { return p.KnownZone(ctx, id) })
}

// KnownGroup forwards to the pipeline.
func (e *engineSwitch) KnownGroup(ctx context.Context, group string) (bool, error) {
	return on(ctx, e, func(p *pipeline.Pipeline) (bool, error) { return p.KnownGroup(ctx, group) })
}

// explained is Explain's result in one value.
type explained struct {
	x  location.Explanation
	ok bool
}

// Explain forwards to the pipeline.
func (e *engineSwitch) Explain(ctx context.Context, tag string) (location.Explanation, bool, error) {
	r, err := on(ctx, e, func(p *pipeline.Pipeline) (explained, error) {
		x, ok, err := p.Explain(ctx, tag)
		return explained{x, ok}, err
	})
	return r.x, r.ok, err
}

// SelectTags forwards to the pipeline.
func (e *engineSwitch) SelectTags(ctx context.Context, keep func(geofence.Tag) bool) ([]geofence.Tag, error) {
	return on(ctx, e, func(p *pipeline.Pipeline) ([]geofence.Tag, error) { return p.SelectTags(ctx, keep) })
}

// SelectKindTagIDs forwards to the pipeline.
func (e *engineSwitch) SelectKindTagIDs(ctx context.Context, class, typ string, status func(string) bool) ([]string, error) {
	return on(ctx, e, func(p *pipeline.Pipeline) ([]string, error) { return p.SelectKindTagIDs(ctx, class, typ, status) })
}

// LookupTags forwards to the pipeline.
func (e *engineSwitch) LookupTags(ctx context.Context, ids []string) (map[string]geofence.Tag, error) {
	return on(ctx, e, func(p *pipeline.Pipeline) (map[string]geofence.Tag, error) { return p.LookupTags(ctx, ids) })
}

// RestoreConfig forwards to the pipeline; on a standby it does nothing:
// the owner writes the configuration again.
func (e *engineSwitch) RestoreConfig(ctx context.Context) error {
	if r := e.cur.Load(); r != nil {
		return r.pipe.RestoreConfig(ctx)
	}
	return nil
}

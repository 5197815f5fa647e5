// Package trail thins a tag's positions into the points of its trail: one
// on each change of room or level; within a room, at most one every
// Interval and only once the tag has moved Distance meters, so that a
// still tag costs nothing and a walking one at most a point per Interval.
// It is pure and deterministic (event time only); the pipeline owns one
// Thinner.
package trail

import (
	"time"

	"github.com/hospitalrtls/rtls/location"
)

// Defaults of Config fields left zero.
const (
	DefaultInterval = 30 * time.Second
	DefaultDistance = 5.0 // meters
)

// Config tunes a Thinner.
type Config struct {
	// Interval is the shortest gap, in event time, between two kept points
	// of a tag within one room; zero means DefaultInterval.
	Interval time.Duration
	// Distance is how far (meters) a tag must have moved from the last
	// kept point before another is kept within one room; zero means
	// DefaultDistance.
	Distance float64
}

// Thinner keeps, per tag, the last point it let through. It is not safe
// for concurrent use.
type Thinner struct {
	interval int64   // ms
	dist2    float64 // squared meters
	last     map[string]location.Position
}

// NewThinner returns a Thinner with the config's values, defaults for zero.
func NewThinner(cfg Config) *Thinner {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Distance <= 0 {
		cfg.Distance = DefaultDistance
	}
	return &Thinner{interval: cfg.Interval.Milliseconds(), dist2: cfg.Distance * cfg.Distance,
		last: make(map[string]location.Position)}
}

// Keep reports whether p is a point of its tag's trail: the tag's first,
// one in another room or on another level than the last kept, or one at
// least Interval after it and at least Distance from it. A position at or
// before the last kept one of its tag is not kept.
func (th *Thinner) Keep(p location.Position) bool {
	prev, seen := th.last[p.Tag]
	switch {
	case !seen:
	case p.TS <= prev.TS:
		return false
	case p.Room != prev.Room || p.Level != prev.Level:
	case p.TS-prev.TS < th.interval || sq(p.X-prev.X)+sq(p.Y-prev.Y) < th.dist2:
		return false
	}
	th.last[p.Tag] = p
	return true
}

// sq returns x squared.
func sq(x float64) float64 { return x * x }

package pipeline

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/time/rate"

	"github.com/hospitalrtls/rtls/location"
)

// Tag policy modes: which tags the engine starts tracking.
const (
	// TagsAny tracks every tag a reader reports (bounded by MaxTags).
	TagsAny = "any"
	// TagsRegistered tracks only tags in the registry.
	TagsRegistered = "registered"
	// TagsBudget lets each reader start at most NewPerMinute new tags a minute.
	TagsBudget = "budget"
)

// Defaults for TagPolicy fields left zero.
const (
	DefaultMaxTags      = 100_000
	DefaultTagRetention = time.Hour
)

// Sightings refused by the tag policy, by reason: labels of the engine's
// sightings counter.
var (
	errTagCap       = errors.New("pipeline: tracked tag cap reached")
	errUnregistered = errors.New("pipeline: tag not registered")
	errTagBudget    = errors.New("pipeline: reader's new tag budget spent")
)

// ErrTagPolicy reports an invalid TagPolicy.
var ErrTagPolicy = errors.New("pipeline: invalid tag policy")

// TagPolicy bounds the tags the engine tracks, so a reader (or someone
// posing as one) cannot make the server track, store and report invented
// tags without limit.
type TagPolicy struct {
	// Mode is TagsAny (""), TagsRegistered or TagsBudget.
	Mode string
	// NewPerMinute is each reader's budget of new tags a minute (TagsBudget).
	NewPerMinute int
	// MaxTags is the most tags tracked at once; sightings of further new
	// tags are dropped until tags expire (0: DefaultMaxTags).
	MaxTags int
	// Retention is how long (event time) a tag without a new position stays
	// in the engine and in the store (0: DefaultTagRetention).
	Retention time.Duration
}

// Validate checks the policy; errors name the flag.
func (p TagPolicy) Validate() error {
	switch {
	case p.Mode != "" && p.Mode != TagsAny && p.Mode != TagsRegistered && p.Mode != TagsBudget:
		return fmt.Errorf("%w: --tag-policy: %q, want any, registered or budget", ErrTagPolicy, p.Mode)
	case p.Mode == TagsBudget && p.NewPerMinute <= 0:
		return fmt.Errorf("%w: --new-tags-per-minute: must be positive with --tag-policy=budget", ErrTagPolicy)
	case p.MaxTags < 0:
		return fmt.Errorf("%w: --max-tags: must not be negative", ErrTagPolicy)
	case p.Retention < 0:
		return fmt.Errorf("%w: --tag-retention: must not be negative", ErrTagPolicy)
	}
	return nil
}

// WithDefaults returns p with zero fields set to their defaults.
func (p TagPolicy) WithDefaults() TagPolicy {
	if p.Mode == "" {
		p.Mode = TagsAny
	}
	if p.MaxTags == 0 {
		p.MaxTags = DefaultMaxTags
	}
	if p.Retention == 0 {
		p.Retention = DefaultTagRetention
	}
	return p
}

// Registry tells whether a tag is registered; the geofence engine
// implements it.
type Registry interface {
	Registered(tag string) bool
}

// admission applies the tag policy to sightings of tags the engine does
// not track yet. It is owned by the pipeline's goroutine.
type admission struct {
	policy  TagPolicy
	reg     Registry
	clock   func() time.Time
	budgets map[string]*rate.Limiter // per reader; readers are the plan's (the CoAP front checks)
	capped  bool                     // the cap was reached and not yet left
}

func newAdmission(p TagPolicy, reg Registry, clock func() time.Time) *admission {
	return &admission{policy: p.WithDefaults(), reg: reg, clock: clock, budgets: map[string]*rate.Limiter{}}
}

// admit returns nil when the engine may take s, or the reason it may not.
// tracked is the number of tags the engine tracks.
func (a *admission) admit(eng *location.Engine, s location.Sighting) error {
	if eng.Tracking(s.Tag) || eng.IsReader(s.Tag) {
		return nil
	}
	if eng.Stats().Tags >= a.policy.MaxTags {
		return errTagCap
	}
	switch a.policy.Mode {
	case TagsRegistered:
		if a.reg == nil || !a.reg.Registered(s.Tag) {
			return errUnregistered
		}
	case TagsBudget:
		b := a.budgets[s.Reader]
		if b == nil {
			b = rate.NewLimiter(rate.Every(time.Minute/time.Duration(a.policy.NewPerMinute)), a.policy.NewPerMinute)
			a.budgets[s.Reader] = b
		}
		if !b.AllowN(a.clock(), 1) {
			return errTagBudget
		}
	}
	return nil
}

// capReached reports a change of the cap state: true when the engine has
// just reached the cap, false when it has just left it, and whether the
// state changed at all.
func (a *admission) capReached(tags int) (reached, changed bool) {
	now := tags >= a.policy.MaxTags
	if now == a.capped {
		return now, false
	}
	a.capped = now
	return now, true
}

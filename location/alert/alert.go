// Package alert turns what tags report about themselves into events people
// act on: a duress button press (DURESS, once per press) and a battery
// level at or below a threshold (LOW_BATTERY, once per crossing). It works
// in event time (the readers' timestamps), knows nothing of transports or
// stores, and is deterministic: the same reports in the same order give the
// same answers.
//
// A press is a run of button reports of one tag: several readers hear the
// same beacon, a tag keeps reporting its button for as long as it is held
// and a reader retries a batch. A report starts a new press when it is
// more than Config.PressGap (event time) after the newest button report of
// the tag; a report at or before that newest one (a late or repeated
// report) never does. Reports older than Config.Forget before the newest
// time passed to Expire are ignored, so forgetting a tag's presses cannot
// make a very late repeat look new.
//
// A battery crossing: LOW_BATTERY fires when a tag reports a level at or
// below Config.LowBattery while it is armed; it re-arms when the tag reports
// a level at or above LowBattery+Config.Rearm (hysteresis: 20, 21, 20 fires
// once; 20, 25, 20 fires twice with the defaults). Reports older than the
// tag's newest one are ignored.
//
// A Detector is not safe for concurrent use: one goroutine owns it.
package alert

import (
	"errors"
	"fmt"
	"time"
)

// ErrConfig is returned by New for an invalid configuration.
var ErrConfig = errors.New("alert: invalid config")

// Defaults of Config fields left zero.
const (
	DefaultPressGap   = 10 * time.Second
	DefaultForget     = 10 * time.Minute
	DefaultLowBattery = 20
	DefaultRearm      = 5
)

// Config tunes a Detector. Zero fields take the defaults above.
type Config struct {
	// PressGap is how long (event time) a tag's button must go unreported
	// before a report starts a new press.
	PressGap time.Duration
	// Forget is how long after its newest report a tag's press is
	// remembered; button reports older than that are ignored.
	Forget time.Duration
	// LowBattery is the threshold in percent, 1..100: a level at or below
	// it is low.
	LowBattery int
	// Rearm is how many percent above LowBattery a level must reach to
	// re-arm LOW_BATTERY, 1..100.
	Rearm int
}

func (c Config) withDefaults() Config {
	if c.PressGap == 0 {
		c.PressGap = DefaultPressGap
	}
	if c.Forget == 0 {
		c.Forget = DefaultForget
	}
	if c.LowBattery == 0 {
		c.LowBattery = DefaultLowBattery
	}
	if c.Rearm == 0 {
		c.Rearm = DefaultRearm
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.PressGap < 0:
		return fmt.Errorf("%w: press gap %v is negative", ErrConfig, c.PressGap)
	case c.Forget < c.PressGap:
		return fmt.Errorf("%w: forget %v is shorter than the press gap %v", ErrConfig, c.Forget, c.PressGap)
	case c.LowBattery < 1 || c.LowBattery > 100:
		return fmt.Errorf("%w: low battery threshold %d%%, want 1..100", ErrConfig, c.LowBattery)
	case c.Rearm < 1 || c.Rearm > 100:
		return fmt.Errorf("%w: re-arm margin %d%%, want 1..100", ErrConfig, c.Rearm)
	}
	return nil
}

// Battery is the last battery level a tag reported, with whether it is low
// (LOW_BATTERY fired and has not re-armed): what a store keeps per tag and
// what Restore takes back after a restart.
type Battery struct {
	Tag     string
	Percent int   // 0..100
	TS      int64 // event time of the report, epoch milliseconds
	Low     bool
}

// Detector finds presses and battery crossings.
type Detector struct {
	cfg     Config
	gap     int64               // ms
	forget  int64               // ms
	horizon int64               // button reports before it are ignored
	presses map[string]int64    // per tag, the event time of its newest button report
	levels  map[string]*Battery // per tag, its newest battery report
	changed []*Battery          // levels changed since TakeChanged, in order
	isDirty map[*Battery]bool   // the members of changed
}

// New returns a detector.
func New(cfg Config) (*Detector, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Detector{cfg: cfg, gap: cfg.PressGap.Milliseconds(), forget: cfg.Forget.Milliseconds(),
		horizon: minTime, presses: map[string]int64{}, levels: map[string]*Battery{}, isDirty: map[*Battery]bool{}}, nil
}

// Config returns the effective configuration.
func (d *Detector) Config() Config { return d.cfg }

// minTime is an event time before every other.
const minTime = -1 << 63

// Press notes a button report of tag at event time ts and reports whether
// it starts a new press.
func (d *Detector) Press(tag string, ts int64) bool {
	if ts < d.horizon {
		return false
	}
	last, ok := d.presses[tag]
	if ok && ts <= last {
		return false
	}
	d.presses[tag] = ts
	return !ok || ts-last > d.gap
}

// Expire forgets the presses of tags whose newest button report is more
// than Config.Forget before now (event time, e.g. the watermark); button
// reports before that are ignored from then on.
func (d *Detector) Expire(now int64) {
	h := now - d.forget
	if h <= d.horizon {
		return
	}
	d.horizon = h
	for tag, last := range d.presses {
		if last < h {
			delete(d.presses, tag)
		}
	}
}

// Level notes a battery report of tag (percent 0..100) at event time ts
// and reports whether it crosses the threshold (LOW_BATTERY). A report
// older than the tag's newest one changes nothing.
func (d *Detector) Level(tag string, percent int, ts int64) bool {
	b := d.levels[tag]
	if b == nil {
		b = &Battery{Tag: tag, TS: minTime, Percent: -1}
		d.levels[tag] = b
	}
	if ts < b.TS {
		return false
	}
	crossed := false
	low := b.Low
	switch {
	case !b.Low && percent <= d.cfg.LowBattery:
		low, crossed = true, true
	case b.Low && percent >= d.cfg.LowBattery+d.cfg.Rearm:
		low = false
	}
	if percent != b.Percent || low != b.Low {
		d.markChanged(b)
	}
	b.Percent, b.TS, b.Low = percent, ts, low
	return crossed
}

func (d *Detector) markChanged(b *Battery) {
	if !d.isDirty[b] {
		d.isDirty[b] = true
		d.changed = append(d.changed, b)
	}
}

// TakeChanged returns the battery levels whose percentage or low state
// changed since the last call (a repeated level is not a change), in the
// order they first changed; nil when none.
func (d *Detector) TakeChanged() []Battery {
	if len(d.changed) == 0 {
		return nil
	}
	out := make([]Battery, len(d.changed))
	for i, b := range d.changed {
		out[i] = *b
		delete(d.isDirty, b)
	}
	clear(d.changed)
	d.changed = d.changed[:0]
	return out
}

// Restore sets the battery levels kept from before a restart, so that a
// tag low before it does not fire again until it re-arms.
func (d *Detector) Restore(levels []Battery) {
	for _, b := range levels {
		c := b
		d.levels[b.Tag] = &c
	}
}

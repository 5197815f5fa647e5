package pipeline

import (
	"context"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
)

// alert hands one sighting's button and battery reports to the detector
// and queues the events they raise: DURESS for a new press (bypassing the
// geofence debounce; the caller writes it at once) and LOW_BATTERY for a
// crossing of the threshold (written with the next tick). Both carry the
// tag's current room and level: those of the last position the engine
// computed for it (none when the engine has no position of the tag). It
// reports whether a DURESS was queued.
func (p *Pipeline) alert(s location.Sighting) (urgent bool) {
	a := p.cfg.Alerts
	if s.Button && a.Press(s.Tag, s.TS) {
		p.engine.events = append(p.engine.events, p.tagEvent(geofence.Duress, s, geofence.TriggerButton, 0))
		urgent = true
	}
	if s.HasBattery && a.Level(s.Tag, int(s.Battery), s.TS) {
		p.engine.events = append(p.engine.events, p.tagEvent(geofence.LowBattery, s, geofence.TriggerBattery, int(s.Battery)))
	}
	return urgent
}

// tagEvent is an event about the tag of s at its event time, in the tag's
// current room and level; the geofence stage adds its registry class
// (absorb).
func (p *Pipeline) tagEvent(typ geofence.EventType, s location.Sighting, trigger string, count int) geofence.Event {
	e := geofence.Event{Type: typ, Tag: s.Tag, TS: s.TS, Trigger: trigger, Count: count}
	if pos, ok := p.eng.Current(s.Tag); ok {
		e.Zone, e.Level = pos.Room, pos.Level
	}
	return e
}

// Explain returns the engine's evidence behind the current position of
// tag (location.Engine.Explain), read on the engine stage; false when the
// engine tracks no position of the tag.
func (p *Pipeline) Explain(ctx context.Context, tag string) (location.Explanation, bool, error) {
	var x location.Explanation
	var ok bool
	err := p.readEngine(ctx, func() { x, ok = p.eng.Explain(tag) })
	return x, ok, err
}

package geofence

import (
	"fmt"
	"io"
	"log/slog"
	"math"
	"slices"
	"time"

	"github.com/hospitalrtls/rtls/floorplans"
)

// DefaultDebounce is the debounce of Config.Debounce when left zero.
const DefaultDebounce = 3 * time.Second

// DefaultWarmup is the warm-up of Config.Warmup when left zero.
const DefaultWarmup = 10 * time.Second

// Config tunes an Engine.
type Config struct {
	// Debounce is how long a change of zone membership must hold, in event
	// time, before it takes effect. Zero means DefaultDebounce; a negative
	// value means no debounce.
	Debounce time.Duration
	// Warmup is the PAR grace: how long after the event time of the first
	// position it observes a freshly started engine (one not restored from
	// a snapshot) waits before it judges PAR levels, so that the location
	// engine has placed the tags, slow beaconers included, before they are
	// counted. Ticks alone do not start it: a fresh site judges nothing
	// before a tag is placed, unless no position arrives at all for
	// silentWarmups times the warm-up after the first Tick (a site where no
	// tag is ever placed still reports BELOW_PAR). Zero means
	// DefaultWarmup; a negative value means none.
	Warmup time.Duration
	// NoDefaultEvents turns off the default ENTER and EXIT (rule "") that
	// every zone emits for every tag. Rules' events, and the room visits
	// (TakeVisits), do not depend on it.
	NoDefaultEvents bool
	// Zones are zones made through the API, held from the start so that
	// rules may name them.
	Zones []Zone
	// Status, when not nil, makes the engine infer asset statuses from
	// location (status.go); nil infers none.
	Status *StatusRules
	// Logger receives warnings about the configuration (rules naming
	// unknown zones). Nil discards them. The engine never logs tag ids.
	Logger *slog.Logger
}

// Engine turns positions into geofence events. It is deterministic: its
// output depends only on the positions, ticks and management calls it is
// given, in order, and on event time, never on the wall clock. It is not
// safe for concurrent use: one goroutine owns it (in the server, the
// pipeline's, which also runs the API's changes and reads).
//
// Event times: an ENTER or EXIT carries the event time of the first position
// that showed the new state (not the later time at which the debounce
// ended), so that dwell times and transitions are exact; it is emitted up to
// one debounce later. Events of one call come ordered by time, then EXIT
// before ENTER for one tag.
type Engine struct {
	plan     *floorplans.Plan
	debounce int64 // ms, the default view of every zone
	warmup   int64 // ms
	log      *slog.Logger
	reg      *Registry
	status   statusRules
	changes  []StatusChange // status changes since TakeStatusChanges

	zones     map[string]*zoneState
	grids     map[string]*zoneGrid // by level, the zones that are not rooms
	rules     map[string]*ruleState
	absence   []*ruleState // enabled ABSENCE rules, by id
	par       []*ruleState // enabled PAR rules, by id
	defaultOn bool         // zones emit default ENTER/EXIT (Config.NoDefaultEvents off)
	parDirty  bool         // some PAR rule may need judging

	tags    map[string]*tagState
	due     dueHeap
	clk     clocks
	orphans []orphan

	scratch []*zoneState // zones of the position being observed
	popped  []*tagState  // tags due in the tick being run
	out     []Event      // events of the call being run
	visits  []Visit      // room visits opened or closed since TakeVisits (visits.go)
	late    uint64       // positions ignored as replayed or late
	delta   delta        // state changed since the last TakeDirty (delta.go)
}

// clocks is the engine's event time bookkeeping.
type clocks struct {
	tick    int64 // time of the newest Tick
	ticked  bool
	start   int64 // event time of the first position observed
	started bool
	warm    bool  // PAR levels may be judged
	first   int64 // time of the first Tick, when no position came before it
	firstOK bool
}

// silentWarmups is how many warm-ups after the first Tick PAR levels are
// judged even though no position was ever observed.
const silentWarmups = 6

// orphan is a membership, restored from a snapshot, in a zone that no longer
// exists; the next Tick emits its EXIT.
type orphan struct {
	tag  *tagState
	zone string
}

// New returns an engine for the plan (rooms and plan zones become zones;
// nil for none) with the rules and registry given (nil for none). It fails
// on an invalid rule or zone, or on a repeated id. Rules naming zones that
// do not exist are kept, silent, and logged.
func New(plan *floorplans.Plan, cfg Config, rules []Rule, reg *Registry) (*Engine, error) {
	e := &Engine{
		plan:      plan,
		debounce:  msOrDefault(cfg.Debounce, DefaultDebounce),
		warmup:    msOrDefault(cfg.Warmup, DefaultWarmup),
		log:       cfg.Logger,
		reg:       reg.Clone(),
		defaultOn: !cfg.NoDefaultEvents,
		status:    newStatusRules(cfg.Status),
		zones:     make(map[string]*zoneState),
		grids:     make(map[string]*zoneGrid),
		rules:     make(map[string]*ruleState),
		tags:      make(map[string]*tagState),
	}
	if e.log == nil {
		e.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := e.addPlanZones(plan); err != nil {
		return nil, err
	}
	for i, z := range cfg.Zones {
		if err := e.addZone(z); err != nil {
			return nil, located(err, fmt.Sprintf("config zones[%d]", i))
		}
	}
	for i, r := range rules {
		if err := e.addRule(r); err != nil {
			return nil, located(err, fmt.Sprintf("rules[%d]", i))
		}
	}
	e.rebuildGrids()
	e.reindex()
	e.warnDangling()
	e.warnUnits()
	return e, nil
}

// msOrDefault converts a configured duration: zero means def, negative
// means none.
func msOrDefault(d, def time.Duration) int64 {
	switch {
	case d == 0:
		return def.Milliseconds()
	case d < 0:
		return 0
	}
	return d.Milliseconds()
}

// addPlanZones makes a zone of every room and zone feature of the plan.
func (e *Engine) addPlanZones(plan *floorplans.Plan) error {
	if plan == nil {
		return nil
	}
	for _, r := range plan.Rooms {
		z := Zone{ID: r.ID, Name: r.Name, Level: r.Level, Category: r.Category, Polygon: r.Polygon, FromPlan: true}
		e.zones[r.ID] = newZoneState(z, true)
	}
	for _, pz := range plan.Zones {
		if _, dup := e.zones[pz.ID]; dup {
			return planZoneError(pz.ID, "plan zone has the id of a room")
		}
		z := Zone{ID: pz.ID, Name: pz.Name, Level: pz.Level, Polygon: pz.Polygon, FromPlan: true}
		e.zones[pz.ID] = newZoneState(z, false)
	}
	return nil
}

// addZone validates an API zone and adds it; it fails on an id in use.
func (e *Engine) addZone(z Zone) error {
	z, err := e.checkZone(z)
	if err != nil {
		return err
	}
	if old := e.zones[z.ID]; old != nil {
		if old.z.FromPlan {
			return planZoneError(z.ID, "is a room or zone of the floorplan")
		}
		return zoneError(z.ID, "id", "repeats an earlier zone")
	}
	e.zones[z.ID] = newZoneState(z, false)
	return nil
}

// checkZone validates an API zone and returns it ready to hold: not from
// the plan, rings closed.
func (e *Engine) checkZone(z Zone) (Zone, error) {
	z.FromPlan = false
	if err := ValidateZone(z, e.plan); err != nil {
		return Zone{}, err
	}
	z.Polygon, _ = cleanPolygon(z.Polygon) // valid: cannot fail
	return z, nil
}

// addRule validates a rule and adds it; it fails on an id in use.
func (e *Engine) addRule(r Rule) error {
	r = normalizeRule(r)
	if err := Validate(r); err != nil {
		return err
	}
	if e.rules[r.ID] != nil {
		return ruleError(r.ID, "id", "repeats an earlier rule")
	}
	e.rules[r.ID] = e.newRuleState(r)
	return nil
}

// warnDangling logs every rule that names a zone the engine does not hold.
func (e *Engine) warnDangling() {
	for _, id := range e.ruleIDs() {
		if field, zone, ok := e.unknownRef(e.rules[id].Rule); ok {
			e.log.Warn("geofence: rule names an unknown zone; it stays silent until the zone exists",
				"rule", id, "field", field, "zone", zone)
		}
	}
}

// ruleIDs returns the ids of every rule, sorted.
func (e *Engine) ruleIDs() []string {
	ids := make([]string, 0, len(e.rules))
	for id := range e.rules {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// unknownRef returns the first zone id a rule names that the engine does not
// hold, with its field.
func (e *Engine) unknownRef(r Rule) (field, zone string, ok bool) {
	if r.ZoneID != "" && e.zones[r.ZoneID] == nil {
		return "zone_id", r.ZoneID, true
	}
	if r.Group != nil {
		for i, id := range r.Group.ZoneIDs {
			if e.zones[id] == nil {
				return fmt.Sprintf("group.zone_ids[%d]", i), id, true
			}
		}
	}
	return "", "", false
}

// noteTime records an event time the engine has seen, of a position or of
// a Tick, and says whether PAR levels may now be judged (see
// Config.Warmup).
func (e *Engine) noteTime(ts int64, position bool) {
	switch {
	case position && !e.clk.started:
		e.clk.started, e.clk.start = true, ts
	case !position && !e.clk.firstOK:
		e.clk.firstOK, e.clk.first = true, ts
	}
	if e.clk.warm {
		return
	}
	if (e.clk.started && ts-e.clk.start >= e.warmup) || (e.clk.firstOK && ts-e.clk.first >= silentWarmups*e.warmup) {
		e.clk.warm = true
		e.parDirty = true
	}
}

// result returns the events of the call, ordered, or nil when there are
// none.
func (e *Engine) result() []Event {
	if len(e.out) == 0 {
		return nil
	}
	out := slices.Clone(e.out)
	slices.SortStableFunc(out, compareEvents)
	e.out = e.out[:0]
	return out
}

// maxTime is the time of a deadline that never comes.
const maxTime = int64(math.MaxInt64)

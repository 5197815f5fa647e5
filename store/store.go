// Package store defines the live state the server keeps: current positions,
// room membership, last-seen times and the durable event stream. It has two
// implementations behind one contract: memstore (embedded, in process) and
// redisstore (Redis). storetest holds the contract test suite both pass.
package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"github.com/hospitalrtls/rtls/analytics"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/alert"
	"github.com/hospitalrtls/rtls/location/geofence"
)

// ErrNotFound is returned when a tag (or other keyed item) is not in the store.
var ErrNotFound = errors.New("store: not found")

// ErrBadToken is returned for a page token the store did not issue.
var ErrBadToken = errors.New("store: invalid page token")

// ErrBadEventID is returned for an event id that is neither "0" nor of the
// stream form "<ms>-<seq>" (or "<ms>").
var ErrBadEventID = errors.New("store: invalid event id")

// ErrBadRange is returned by GetTrail for a range whose start is not
// before its end.
var ErrBadRange = errors.New("store: range start not before its end")

// ErrInvalid is returned by Apply for an update that cannot be stored (see
// Update.Validate); nothing of such an update is written.
var ErrInvalid = errors.New("store: invalid update")

// ErrBadKind is returned for a configuration kind the store does not keep
// (see ConfigKinds): by LoadConfig, and by Apply within ErrInvalid.
var ErrBadKind = errors.New("store: unknown config kind")

// ErrStaleSeq is returned by Apply, which writes nothing, for an update
// whose Seq is at or below the newest applied one but not one of the
// SeqHistory newest applied updates, so that its event ids are unknown.
var ErrStaleSeq = errors.New("store: update sequence number already passed")

// ErrSeqReused is returned by Apply, which writes nothing, for an update
// whose Seq was applied before with a different number of events: the
// writer reused a sequence number for another update.
var ErrSeqReused = errors.New("store: update sequence number reused")

// Query selects positions for ListPositions.
type Query struct {
	Level     string // "" for any level
	Room      string // "" for any room
	PageSize  int    // <= 0 means the store's default (100); at most 1000
	PageToken string // "" for the first page
}

// Page is one page of positions, ordered by tag id.
type Page struct {
	Positions     []location.Position
	NextPageToken string // "" on the last page
}

// EventQuery selects events for ListEvents.
type EventQuery struct {
	FromTS, ToTS int64  // event time range in epoch ms, inclusive; 0 means unbounded
	PageSize     int    // <= 0 means the store's default (100); at most 1000
	PageToken    string // "" for the first page
}

// EventPage is one page of events in stream order.
type EventPage struct {
	Events        []geofence.Event
	NextPageToken string
}

// DefaultTrailMaxAge is how long the stores keep trails when their option
// is left zero: 30 days.
const DefaultTrailMaxAge = 30 * 24 * time.Hour

// DefaultAnalyticsMaxAge is how long the stores keep analytics buckets
// when their option is left zero: 93 days, so every range the
// AnalyticsService accepts (at most 92 days) ending now is answerable.
const DefaultAnalyticsMaxAge = 93 * 24 * time.Hour

// TrailQuery selects one tag's trail for GetTrail.
type TrailQuery struct {
	Tag          string
	FromTS, ToTS int64  // event-time range in epoch ms, [FromTS, ToTS); FromTS < ToTS
	PageSize     int    // visits per page; <= 0 means 100; at most 1000
	PageToken    string // "" for the first page
}

// TrailPage is one page of a tag's trail. Its visits are those overlapping
// the range, ordered by Enter. Its points are those in its span, ordered by
// TS: the span starts at FromTS on the first page and at the Enter of the
// page's first visit on the others, and ends where the next page's span
// starts (ToTS on the last page), so every point of the range is on exactly
// one page.
type TrailPage struct {
	Visits        []geofence.Visit // Tag, Room, Level, Enter, Exit (0 while open)
	Points        []location.Position
	NextPageToken string // "" on the last page
}

// Update is written atomically: positions, events appended to the stream,
// geofence state parts and configuration changes. Either all of it is
// visible or none. Positions are applied in order; a position older (by TS)
// than the stored one of its tag is skipped, so the live state never goes
// back in event time.
type Update struct {
	Positions []location.Position
	Events    []geofence.Event
	// Fence holds geofence state parts (geofence.Engine.TakeDirty) to merge
	// into the stored ones: a nil value deletes its part.
	Fence map[string][]byte
	// Config lists configuration changes, applied in order.
	Config []ConfigChange
	// Batteries are tags' last battery levels (see battery.go), applied in
	// order; one older (by TS) than the stored level of its tag is skipped.
	Batteries []alert.Battery
	// Visits are room visits opened or closed (geofence.Engine.TakeVisits),
	// in order: each replaces the stored visit of its tag with the same
	// Enter, so a record written again (a retry, a replay after a restart)
	// is stored once. They are the trail's visits (GetTrail).
	Visits []geofence.Visit
	// Trail holds thinned positions (location/trail) to add to their tags'
	// trails; one at the time of a stored point of its tag replaces it.
	Trail []location.Position
	// Analytics are additions to the de-identified aggregates
	// (analytics.Aggregator.Take) made by the visits and status changes
	// this update closes: written in the same atomic write, so the
	// update's Seq makes a retry count them once. A bucket whose hour is
	// older than the store's analytics retention before the newest hour
	// written is dropped (see the stores' Options).
	Analytics []analytics.Op
	// StatusChanges are appended, in order, to the status history of
	// their tags (ListStatusHistory; StatusHistoryLen per tag).
	StatusChanges []geofence.StatusChange
	// Seq, when not 0, makes Apply idempotent. The single writer of a site
	// numbers its updates with increasing Seq (continuing above LastSeq
	// after a restart) and retries a failed Apply with the same update. The
	// store records the newest applied Seq in the same atomic write; an
	// update with a Seq at or below it is not written again: Apply returns
	// its events with the ids they got when it was applied (for the
	// SeqHistory newest updates; older ones get ErrStaleSeq). 0 means no
	// check: every Apply appends its events.
	Seq uint64
	// Watermark, when not 0, is the event time (epoch ms) up to which the
	// writer has turned its input into this and earlier updates. A store
	// that keeps an ingest log records the highest one in the same atomic
	// write, so that a writer taking over knows which logged sightings are
	// processed (redisstore: the ingest log); others ignore it.
	Watermark int64
}

// NoItems reports whether u carries no positions, events, fence parts,
// configuration changes, batteries, visits, trail points, analytics ops or
// status changes (Seq and Watermark aside).
func (u Update) NoItems() bool {
	return len(u.Positions) == 0 && len(u.Events) == 0 && len(u.Fence) == 0 && len(u.Config) == 0 &&
		len(u.Visits) == 0 && len(u.Trail) == 0 && len(u.Analytics) == 0 && len(u.Batteries) == 0 &&
		len(u.StatusChanges) == 0
}

// Configuration kinds: what ConfigChange.Kind names.
const (
	ConfigRule = "rule" // a geofence rule
	ConfigZone = "zone" // a zone made through the API
	ConfigTag  = "tag"  // a registry entry
)

// ConfigKinds returns the configuration kinds a store keeps.
func ConfigKinds() []string { return []string{ConfigRule, ConfigZone, ConfigTag} }

// CheckKind returns an error wrapping ErrBadKind for a kind the store does
// not keep, nil for one of ConfigKinds.
func CheckKind(kind string) error {
	switch kind {
	case ConfigRule, ConfigZone, ConfigTag:
		return nil
	}
	return fmt.Errorf("%w: %q", ErrBadKind, kind)
}

// ConfigChange creates, replaces or deletes one configuration item, stored
// as opaque bytes under its kind and id.
type ConfigChange struct {
	Kind string // one of ConfigKinds
	ID   string // the item's id, unique within its kind
	Data []byte // the item's encoding; nil deletes the item
}

// SeqHistory is how many of the newest updates with a Seq the store
// remembers the event ids of, to answer their retries.
const SeqHistory = 16

// Store is the live state. Implementations are safe for concurrent use.
type Store interface {
	// Apply writes an update atomically and returns the events with their
	// assigned stream ids. An update that fails Validate gets ErrInvalid.
	// A retried update (Update.Seq) writes nothing and returns the events
	// with the ids they got the first time.
	Apply(ctx context.Context, u Update) ([]geofence.Event, error)
	// GetPosition returns the current position of tag, or ErrNotFound.
	GetPosition(ctx context.Context, tag string) (location.Position, error)
	// GetPositions returns the current positions of those of tags that have
	// one, in the order of tags: one read for many tags (a join with the
	// registry) instead of a GetPosition each.
	GetPositions(ctx context.Context, tags []string) ([]location.Position, error)
	// GetRooms returns the level and room of the current positions of
	// those of tags that have one, in the order of tags: GetPositions
	// without decoding the positions, to narrow a search before reading
	// them.
	GetRooms(ctx context.Context, tags []string) ([]TagRoom, error)
	// ListPositions pages through current positions.
	ListPositions(ctx context.Context, q Query) (Page, error)
	// ExpirePositions deletes every tag whose stored position is older than
	// before (event time, epoch ms): its position, level, room and
	// last-seen entries, atomically per call. It returns how many tags it
	// deleted. The writer calls it so tags not refreshed within a retention
	// do not stay in the live state for ever.
	ExpirePositions(ctx context.Context, before int64) (int, error)
	// WatchPositions delivers positions written after the call until ctx ends.
	// A slow reader may miss intermediate positions of a tag, never the channel close.
	WatchPositions(ctx context.Context) (<-chan location.Position, error)
	// ReadEvents returns up to count events with id > afterID ("0" = from the
	// oldest retained), waiting up to block for at least one (0 = no wait).
	// count <= 0 means 100; at most 1000 are returned. A malformed afterID
	// gets ErrBadEventID; a timeout returns no events and no error.
	ReadEvents(ctx context.Context, afterID string, count int, block time.Duration) ([]geofence.Event, error)
	// LastEventID returns the id of the newest event, "0" when there is none.
	LastEventID(ctx context.Context) (string, error)
	// FirstEventID returns the id of the oldest retained event, "0" when
	// there is none: a reader resuming after an older id missed events
	// that retention dropped.
	FirstEventID(ctx context.Context) (string, error)
	// ListEvents pages through events in an event-time range. Stream ids are
	// arrival times, so events that arrive more than a store-defined slack
	// (default one minute) before or after their event time may be missed.
	ListEvents(ctx context.Context, q EventQuery) (EventPage, error)
	// LoadFence returns every stored geofence state part, keyed as written
	// (an empty map when there is none): the input of
	// geofence.Engine.RestoreParts.
	LoadFence(ctx context.Context) (map[string][]byte, error)
	// LoadConfig returns every stored configuration item of kind by id. A
	// kind not in ConfigKinds gets ErrBadKind.
	LoadConfig(ctx context.Context, kind string) (map[string][]byte, error)
	// ListStatusHistory pages through the status changes of one tag, newest
	// first (an unknown tag has none). A token of another tag gets
	// ErrBadToken.
	ListStatusHistory(ctx context.Context, q StatusQuery) (StatusPage, error)
	// LastSeq returns the Seq of the newest update applied with one, 0 when
	// there is none.
	LastSeq(ctx context.Context) (uint64, error)
	// ListBatteries pages through the tags' last battery levels at or below
	// a percentage, lowest first, then by tag id.
	ListBatteries(ctx context.Context, q BatteryQuery) (BatteryPage, error)
	// GetTrail returns one page of a tag's trail (visits and thinned points
	// written with Update.Visits and Update.Trail). A tag without visit or
	// point in the range gets ErrNotFound; FromTS >= ToTS gets ErrBadRange;
	// a token not issued for this tag's trail gets ErrBadToken. Trails are
	// kept for the store's trail retention (see the stores' Options).
	GetTrail(ctx context.Context, q TrailQuery) (TrailPage, error)
	// ReadAnalytics returns the fields of the named analytics buckets
	// (written with Update.Analytics) that exist, owned by the caller.
	ReadAnalytics(ctx context.Context, buckets []string) (analytics.Fields, error)
	// Close releases the store's resources.
	Close() error
}

// TagRoom is where a tag's current position is: its level and room ("" when
// in none).
type TagRoom struct {
	Tag, Level, Room string
}

// MaxIDLen is the longest tag, level, room, zone or rule id Apply accepts, in bytes.
const MaxIDLen = 256

// MaxDataLen is the longest geofence state part or configuration item
// Apply accepts, in bytes.
const MaxDataLen = 4 << 20

// Validate reports whether u can be stored: every position has a tag, every
// event a type; ids are valid UTF-8 of at most MaxIDLen bytes; numbers are
// finite and times and counts not negative. The error wraps ErrInvalid and
// names the item by index, never by tag id (tag ids may identify patients).
func (u Update) Validate() error {
	for i, p := range u.Positions {
		if err := validatePosition(p); err != nil {
			return fmt.Errorf("%w: position %d: %s", ErrInvalid, i, err)
		}
	}
	for i, e := range u.Events {
		if err := validateEvent(e); err != nil {
			return fmt.Errorf("%w: event %d: %s", ErrInvalid, i, err)
		}
	}
	for i, v := range u.Visits {
		if err := validateVisit(v); err != nil {
			return fmt.Errorf("%w: visit %d: %s", ErrInvalid, i, err)
		}
	}
	for i, op := range u.Analytics {
		if err := validateOp(op); err != nil {
			return fmt.Errorf("%w: analytics op %d: %s", ErrInvalid, i, err)
		}
	}
	for i, p := range u.Trail {
		if err := validatePosition(p); err != nil {
			return fmt.Errorf("%w: trail point %d: %s", ErrInvalid, i, err)
		}
	}
	for key, data := range u.Fence {
		if err := validatePart(key, data); err != nil {
			return fmt.Errorf("%w: fence part: %s", ErrInvalid, err)
		}
	}
	for i, b := range u.Batteries {
		if err := validateBattery(b); err != nil {
			return fmt.Errorf("%w: battery %d: %s", ErrInvalid, i, err)
		}
	}
	if err := validateStatusChanges(u.StatusChanges); err != nil {
		return err
	}
	for i, c := range u.Config {
		if err := CheckKind(c.Kind); err != nil {
			return fmt.Errorf("%w: config %d: %w", ErrInvalid, i, err)
		}
		if err := validateConfig(c); err != nil {
			return fmt.Errorf("%w: config %d: %s", ErrInvalid, i, err)
		}
	}
	return nil
}

func validatePart(key string, data []byte) error {
	if len(data) > MaxDataLen {
		return fmt.Errorf("longer than %d bytes", MaxDataLen)
	}
	return validateIDs([]namedID{{"key", key}})
}

func validateConfig(c ConfigChange) error {
	switch {
	case c.ID == "":
		return errors.New("empty id")
	case len(c.Data) > MaxDataLen:
		return fmt.Errorf("data longer than %d bytes", MaxDataLen)
	}
	return validateIDs([]namedID{{"id", c.ID}})
}

func validatePosition(p location.Position) error {
	switch {
	case p.Tag == "":
		return errors.New("empty tag")
	case p.TS < 0:
		return errors.New("negative ts")
	}
	for _, f := range [...]float64{p.X, p.Y, p.AccuracyM, p.RoomProb} {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return errors.New("non-finite number")
		}
	}
	return validateIDs([]namedID{{"tag", p.Tag}, {"level", p.Level}, {"room", p.Room}})
}

func validateVisit(v geofence.Visit) error {
	switch {
	case v.Tag == "":
		return errors.New("empty tag")
	case v.Room == "":
		return errors.New("empty room")
	case v.Enter < 0:
		return errors.New("negative enter")
	case v.Exit != 0 && v.Exit < v.Enter:
		return errors.New("exit before enter")
	}
	return validateIDs([]namedID{{"tag", v.Tag}, {"room", v.Room}, {"level", v.Level},
		{"class", v.Class}, {"type", v.Type}, {"unit", v.Unit}})
}

func validateOp(op analytics.Op) error { return op.Validate() }

func validateEvent(e geofence.Event) error {
	switch {
	case e.Type == "":
		return errors.New("empty type")
	case e.TS < 0:
		return errors.New("negative ts")
	case e.Count < 0:
		return errors.New("negative count")
	}
	return validateIDs([]namedID{{"type", string(e.Type)}, {"tag", e.Tag},
		{"zone", e.Zone}, {"rule", e.Rule}, {"trigger", e.Trigger}, {"class", e.Class}, {"level", e.Level},
		{"status", e.Status}, {"previous", e.Previous}})
}

// namedID is an id with the name of its field, for error messages.
type namedID struct{ name, id string }

func validateIDs(ids []namedID) error {
	for _, n := range ids {
		if len(n.id) > MaxIDLen {
			return fmt.Errorf("%s longer than %d bytes", n.name, MaxIDLen)
		}
		if !utf8.ValidString(n.id) {
			return fmt.Errorf("%s not valid UTF-8", n.name)
		}
	}
	return nil
}

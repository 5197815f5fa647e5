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

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
)

// ErrNotFound is returned when a tag (or other keyed item) is not in the store.
var ErrNotFound = errors.New("store: not found")

// ErrBadToken is returned for a page token the store did not issue.
var ErrBadToken = errors.New("store: invalid page token")

// ErrBadEventID is returned for an event id that is neither "0" nor of the
// stream form "<ms>-<seq>" (or "<ms>").
var ErrBadEventID = errors.New("store: invalid event id")

// ErrInvalid is returned by Apply for an update that cannot be stored (see
// Update.Validate); nothing of such an update is written.
var ErrInvalid = errors.New("store: invalid update")

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

// Update is written atomically: positions, then events appended to the
// stream. Either all of it is visible or none. Positions are applied in
// order; a position older (by TS) than the stored one of its tag is skipped,
// so the live state never goes back in event time.
type Update struct {
	Positions []location.Position
	Events    []geofence.Event
}

// Store is the live state. Implementations are safe for concurrent use.
type Store interface {
	// Apply writes an update atomically and returns the events with their
	// assigned stream ids. An update that fails Validate gets ErrInvalid.
	Apply(ctx context.Context, u Update) ([]geofence.Event, error)
	// GetPosition returns the current position of tag, or ErrNotFound.
	GetPosition(ctx context.Context, tag string) (location.Position, error)
	// ListPositions pages through current positions.
	ListPositions(ctx context.Context, q Query) (Page, error)
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
	// ListEvents pages through events in an event-time range. Stream ids are
	// arrival times, so events that arrive more than a store-defined slack
	// (default one minute) before or after their event time may be missed.
	ListEvents(ctx context.Context, q EventQuery) (EventPage, error)
	// Close releases the store's resources.
	Close() error
}

// MaxIDLen is the longest tag, level, room, zone or rule id Apply accepts, in bytes.
const MaxIDLen = 256

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
	return nil
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
		{"zone", e.Zone}, {"rule", e.Rule}, {"trigger", e.Trigger}, {"class", e.Class}})
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

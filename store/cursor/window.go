package cursor

import (
	"math"
	"time"
)

// Window is what ListEvents scans for an event-time range. Stream ids are
// arrival times, and an event usually arrives at or a little after its
// event time (a little before when a reader's clock runs ahead), so the
// scan covers arrival times from FromTS-slack to ToTS+slack and keeps the
// events whose own time is in range.
type Window struct {
	FromTS, ToTS int64 // event-time range, inclusive; 0 means unbounded
	First, Last  ID    // stream ids to scan, inclusive
}

// NewWindow returns the window for an event-time range with the given slack.
func NewWindow(fromTS, toTS int64, slack time.Duration) Window {
	w := Window{FromTS: fromTS, ToTS: toTS, Last: ID{MS: math.MaxUint64, Seq: math.MaxUint64}}
	ms := slack.Milliseconds()
	if fromTS > 0 {
		w.First = ID{MS: uint64(max(fromTS-ms, 0))}
	}
	if toTS > 0 && toTS <= math.MaxInt64-ms {
		w.Last = ID{MS: uint64(toTS + ms), Seq: math.MaxUint64}
	}
	return w
}

// Bounded reports whether the scan ends before the end of the stream.
func (w Window) Bounded() bool { return w.Last.MS != math.MaxUint64 }

// Holds reports whether an event at ts is in the event-time range.
func (w Window) Holds(ts int64) bool {
	return (w.FromTS <= 0 || ts >= w.FromTS) && (w.ToTS <= 0 || ts <= w.ToTS)
}

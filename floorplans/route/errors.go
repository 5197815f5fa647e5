package route

import "errors"

// ErrNilPlan is returned by New when it is given no plan.
var ErrNilPlan = errors.New("route: nil plan")

// ErrOptions is returned by New for an option that is not a finite number
// or is negative where that has no meaning.
var ErrOptions = errors.New("route: invalid options")

// ErrUnknownRoom is returned by From for a place naming a room the plan
// does not have.
var ErrUnknownRoom = errors.New("route: unknown room")

// ErrWrongLevel is returned by From for a place whose level is not its
// room's level.
var ErrWrongLevel = errors.New("route: room is on another level")

// ErrNotInRoom is returned by From for a place given by a point alone that
// lies in no room of its level (in a wall, outside, on an unknown level),
// and for a place with neither a room nor a point.
var ErrNotInRoom = errors.New("route: place is in no room")

package store

import "errors"

// ErrUnavailable is wrapped by a store's errors when the backing service
// cannot be reached or cannot serve right now (connection refused or lost,
// a network timeout, a server loading or failing over): the same call may
// succeed later or against another server. The API answers UNAVAILABLE.
var ErrUnavailable = errors.New("store: unavailable")

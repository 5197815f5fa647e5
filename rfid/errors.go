package rfid

import "errors"

// ErrMalformed reports a request body that cannot be decoded into a Batch
// (syntax errors, truncated data, wrong types, missing required fields).
var ErrMalformed = errors.New("rfid: malformed payload")

// ErrUnsupportedFormat reports a missing or unsupported Content-Format.
var ErrUnsupportedFormat = errors.New("rfid: unsupported content format")

// ErrNotAcceptable reports an Accept option asking for a format the server
// cannot answer in.
var ErrNotAcceptable = errors.New("rfid: not acceptable")

// ErrUnknownReader reports a batch from a reader the floorplan does not know.
var ErrUnknownReader = errors.New("rfid: unknown reader")

// ErrForbidden reports a batch naming another reader than the one its
// DTLS session authenticated as: a reader may only report as itself.
var ErrForbidden = errors.New("rfid: forbidden")

// ErrRateLimited reports a reader over its batch or sighting rate; the
// answer's Max-Age says when to retry.
var ErrRateLimited = errors.New("rfid: too many requests")

// ErrCredentials reports an unusable reader keys file or a DTLS peer whose
// key or certificate is not accepted.
var ErrCredentials = errors.New("rfid: reader credentials")

// ErrNotFound reports a request for a path that is not served.
var ErrNotFound = errors.New("rfid: no such resource")

// ErrMethodNotAllowed reports a request method the resource does not take.
var ErrMethodNotAllowed = errors.New("rfid: method not allowed")

// ErrTooLarge reports a body over Config.MaxBodyBytes or a batch with more
// than Config.MaxSightings sightings.
var ErrTooLarge = errors.New("rfid: request too large")

// ErrBadOption reports a critical CoAP option the server does not support
// (for example Block1: block-wise transfer is not implemented).
var ErrBadOption = errors.New("rfid: unsupported critical option")

// ErrUnavailable reports that the engine (the Sink) refused or failed to
// take a batch; the reader should retry later.
var ErrUnavailable = errors.New("rfid: engine unavailable")

// ErrInternal reports a failure inside the server itself (a recovered panic).
var ErrInternal = errors.New("rfid: internal error")

// ErrInvalidConfig reports a Config field with an invalid value.
var ErrInvalidConfig = errors.New("rfid: invalid config")

// ErrServerClosed is returned by Serve and ListenAndServe after Close.
var ErrServerClosed = errors.New("rfid: server closed")

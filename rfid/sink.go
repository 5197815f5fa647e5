package rfid

import (
	"context"

	"github.com/hospitalrtls/rtls/location"
)

// Sink takes validated sightings from the ingest; the pipeline implements
// it, queueing them for the location engine. An error wrapping
// location.ErrLate means every sighting was already behind the engine's
// finalised time: the reader gets 2.04 with all of them counted dropped
// (reason "late"), none accepted, and does not retry. Any other error makes
// the reader's batch fail with 5.03 Service Unavailable, so the reader
// retries it later.
type Sink interface {
	Ingest(ctx context.Context, sightings []location.Sighting) error
}

// ReaderDirectory tells which reader ids may post batches; the floorplan
// implements it through a small adapter.
type ReaderDirectory interface {
	Known(readerID string) bool
}

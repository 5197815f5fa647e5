// Package ingest is the durable per-site ingest log between the reader
// front and the pipeline: the front appends every accepted batch to the
// log (a Redis Stream) before the reader gets its 2.04, and the instance
// that owns the site's engine consumes the log into the pipeline. The log
// is trimmed behind what the pipeline reports processed and written
// (pipeline.Config.Progress), and a restarted or standby engine resumes
// from it, judged by the watermark written with the updates
// (store.Update.Watermark): the sightings inside the lateness window at a
// crash are processed, not lost.
//
//	rfid ──Ingest──▶ Front ──append──▶ log ──read──▶ Consumer ──Ingest──▶ pipeline
//	                                     ▲                 │
//	                                     └──── trim ◀──────┘ (Progress)
//
// The embedded single-process mode keeps the pipeline's in-process queue
// and does not use this package.
package ingest

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hospitalrtls/rtls/location"
)

// ErrNotLogged is returned by Front.Ingest when a batch could not be
// appended to the log (the log is full or the store is unreachable): the
// reader gets 5.03 with Max-Age and retries; the batch is never
// acknowledged and then lost.
var ErrNotLogged = errors.New("ingest: batch not logged")

// ErrCorrupt is returned for a log entry that does not decode.
var ErrCorrupt = errors.New("ingest: corrupt log entry")

// sighting is the logged form of a location.Sighting: short keys, as the
// log holds every sighting until the engine has written it.
type sighting struct {
	TS         int64   `json:"t"`
	Reader     string  `json:"r"`
	Tag        string  `json:"g"`
	RSSI       float64 `json:"s"`
	Seq        uint64  `json:"q,omitempty"`
	Button     bool    `json:"b,omitempty"`
	Battery    uint8   `json:"p,omitempty"`
	HasBattery bool    `json:"h,omitempty"`
}

// encode returns the logged form of a batch.
func encode(ss []location.Sighting) ([]byte, error) {
	out := make([]sighting, len(ss))
	for i, s := range ss {
		out[i] = sighting(s)
	}
	return json.Marshal(out)
}

// decode returns the batch of a log entry.
func decode(data []byte) ([]location.Sighting, error) {
	var in []sighting
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	out := make([]location.Sighting, len(in))
	for i, s := range in {
		out[i] = location.Sighting(s)
	}
	return out, nil
}

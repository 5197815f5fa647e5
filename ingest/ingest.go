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
	"slices"

	"github.com/fxamacker/cbor/v2"

	"github.com/hospitalrtls/rtls/location"
)

// ErrNotLogged is returned by Front.Ingest when a batch could not be
// appended to the log (the log is full or the store is unreachable): the
// reader gets 5.03 with Max-Age and retries; the batch is never
// acknowledged and then lost.
var ErrNotLogged = errors.New("ingest: batch not logged")

// ErrCorrupt is returned for a log entry that does not decode.
var ErrCorrupt = errors.New("ingest: corrupt log entry")

// entry is the logged form of a batch: CBOR (RFC 8949) arrays, its
// readers once and a row per sighting, as the log holds every sighting
// until the engine has written it and the consumer decodes every one
// (decoding JSON cost about as much as the whole CoAP front).
type entry struct {
	_         struct{} `cbor:",toarray"`
	Readers   []string
	Sightings []row
}

// row is one logged sighting; Reader indexes entry.Readers.
type row struct {
	_          struct{} `cbor:",toarray"`
	TS         int64
	Reader     int
	Tag        string
	RSSI       float64
	Seq        uint64
	Button     bool
	Battery    uint8
	HasBattery bool
}

// jsonSighting is the form logged before CBOR (short keys); entries an
// older rtlsd appended still decode.
type jsonSighting struct {
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
	e := entry{Sightings: make([]row, len(ss))}
	for i, s := range ss {
		r := slices.Index(e.Readers, s.Reader)
		if r < 0 {
			r = len(e.Readers)
			e.Readers = append(e.Readers, s.Reader)
		}
		e.Sightings[i] = row{TS: s.TS, Reader: r, Tag: s.Tag, RSSI: s.RSSI, Seq: s.Seq, Button: s.Button,
			Battery: s.Battery, HasBattery: s.HasBattery}
	}
	return cbor.Marshal(e)
}

// decode returns the batch of a log entry: CBOR, or the JSON of an older
// rtlsd (an array, '[').
func decode(data []byte) ([]location.Sighting, error) {
	if len(data) > 0 && data[0] == '[' {
		var in []jsonSighting
		if err := json.Unmarshal(data, &in); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		out := make([]location.Sighting, len(in))
		for i, s := range in {
			out[i] = location.Sighting(s)
		}
		return out, nil
	}
	var e entry
	if err := cbor.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	out := make([]location.Sighting, len(e.Sightings))
	for i, s := range e.Sightings {
		if s.Reader < 0 || s.Reader >= len(e.Readers) {
			return nil, fmt.Errorf("%w: sighting %d names reader %d of %d", ErrCorrupt, i, s.Reader, len(e.Readers))
		}
		out[i] = location.Sighting{TS: s.TS, Reader: e.Readers[s.Reader], Tag: s.Tag, RSSI: s.RSSI, Seq: s.Seq,
			Button: s.Button, Battery: s.Battery, HasBattery: s.HasBattery}
	}
	return out, nil
}

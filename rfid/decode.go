package rfid

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/fxamacker/cbor/v2"
)

// tsMissing is the TS a sighting decodes to when its "ts" is absent; an
// absent "rssi" decodes to the NaN with bits rssiMissingBits. Validation
// drops both as missing fields (a NaN sent on the wire is out of range).
const (
	tsMissing       = math.MinInt64
	rssiMissingBits = 0x7ff8_0000_0000_0bad
)

var rssiMissing = math.Float64frombits(rssiMissingBits)

// CBOR decoding limits. Nesting is batch map > sightings array > sighting
// map; the library's smallest allowed limits are 4 levels and 16 pairs.
const (
	cborMaxNesting  = 4
	cborMaxMapPairs = 32
)

// inBatch is a Batch as decoded: the sighting fields whose zero value is
// plausible (ts, rssi) remember whether they were present.
type inBatch struct {
	Reader    string       `json:"reader" cbor:"reader"`
	Seq       uint64       `json:"seq" cbor:"seq"`
	Sightings []inSighting `json:"sightings" cbor:"sightings"`
}

type inSighting struct {
	TS      optInt   `json:"ts" cbor:"ts"`
	Tag     string   `json:"tag" cbor:"tag"`
	RSSI    optFloat `json:"rssi" cbor:"rssi"`
	Button  bool     `json:"button" cbor:"button"`
	Battery optFloat `json:"battery" cbor:"battery"`
}

// decoder decodes batch bodies with the server's limits.
type decoder struct {
	cbor         cbor.DecMode
	maxSightings int
}

func newDecoder(maxSightings int) decoder {
	return decoder{cbor: mustDecMode(maxSightings), maxSightings: maxSightings}
}

// mustDecMode builds the safe CBOR options: bounded nesting, arrays and
// maps, no duplicate keys, no indefinite lengths, no tags, valid UTF-8.
func mustDecMode(maxArray int) cbor.DecMode {
	dm, err := cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		MaxNestedLevels:   cborMaxNesting,
		MaxArrayElements:  max(maxArray, 16),
		MaxMapPairs:       cborMaxMapPairs,
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		UTF8:              cbor.UTF8RejectInvalid,
		FieldNameMatching: cbor.FieldNameMatchingCaseSensitive,
	}.DecMode()
	if err != nil {
		panic(fmt.Sprintf("rfid: cbor options: %v", err))
	}
	return dm
}

// decodeJSON decodes a JSON batch (content-format 50).
func (d decoder) decodeJSON(body []byte) (Batch, error) {
	var in inBatch
	if err := json.Unmarshal(body, &in); err != nil {
		return Batch{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return d.finish(in)
}

// decodeCBOR decodes a CBOR batch (content-format 60).
func (d decoder) decodeCBOR(body []byte) (Batch, error) {
	var in inBatch
	if err := d.cbor.Unmarshal(body, &in); err != nil {
		var tooMany *cbor.MaxArrayElementsError
		if errors.As(err, &tooMany) {
			return Batch{}, fmt.Errorf("%w: more than %d sightings", ErrTooLarge, d.maxSightings)
		}
		return Batch{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return d.finish(in)
}

// finish checks the required parts of a decoded batch and converts it.
func (d decoder) finish(in inBatch) (Batch, error) {
	switch {
	case in.Sightings == nil:
		return Batch{}, fmt.Errorf("%w: missing sightings", ErrMalformed)
	case len(in.Sightings) > d.maxSightings:
		return Batch{}, fmt.Errorf("%w: %d sightings, at most %d", ErrTooLarge, len(in.Sightings), d.maxSightings)
	}
	b := Batch{Reader: in.Reader, Seq: in.Seq, Sightings: make([]WireSighting, len(in.Sightings))}
	for i := range in.Sightings {
		s := &in.Sightings[i]
		b.Sightings[i] = WireSighting{TS: tsMissing, Tag: s.Tag, RSSI: rssiMissing, Button: s.Button}
		if s.TS.ok {
			b.Sightings[i].TS = s.TS.v
		}
		if s.RSSI.ok {
			b.Sightings[i].RSSI = s.RSSI.v
		}
		if s.Battery.ok {
			b.Sightings[i].Battery = &s.Battery.v
		}
	}
	return b, nil
}

package rfid

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/fxamacker/cbor/v2"
)

// tsMissing is the TS a WireSighting decodes to when its "ts" is absent;
// an absent "rssi" decodes to the NaN with bits rssiMissingBits. Validation
// drops both as missing fields (a NaN sent on the wire is out of range).
const (
	tsMissing       = math.MinInt64
	rssiMissingBits = 0x7ff8_0000_0000_0bad
)

var rssiMissing = math.Float64frombits(rssiMissingBits)

// CBOR decoding limits. Nesting is batch map > sightings array > sighting
// map; the library's minimum allowed limit is 4 levels and 16 pairs.
const (
	cborMaxNesting  = 4
	cborMaxMapPairs = 32
)

// wireSighting is WireSighting without its unmarshal methods.
type wireSighting WireSighting

// UnmarshalJSON decodes one sighting, leaving absent fields detectable
// (TS math.MinInt64, RSSI a NaN) instead of a plausible zero.
func (w *WireSighting) UnmarshalJSON(b []byte) error {
	p := wireSighting{TS: tsMissing, RSSI: rssiMissing}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*w = WireSighting(p)
	return nil
}

// UnmarshalCBOR decodes one sighting like UnmarshalJSON does.
func (w *WireSighting) UnmarshalCBOR(b []byte) error {
	p := wireSighting{TS: tsMissing, RSSI: rssiMissing}
	if err := sightingCBOR.Unmarshal(b, &p); err != nil {
		return err
	}
	*w = WireSighting(p)
	return nil
}

// sightingCBOR decodes one sighting map.
var sightingCBOR = mustDecMode(cborMaxMapPairs)

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
	var b Batch
	if err := json.Unmarshal(body, &b); err != nil {
		return Batch{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return b, d.check(b)
}

// decodeCBOR decodes a CBOR batch (content-format 60).
func (d decoder) decodeCBOR(body []byte) (Batch, error) {
	var b Batch
	if err := d.cbor.Unmarshal(body, &b); err != nil {
		var tooMany *cbor.MaxArrayElementsError
		if errors.As(err, &tooMany) {
			return Batch{}, fmt.Errorf("%w: more than %d sightings", ErrTooLarge, d.maxSightings)
		}
		return Batch{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return b, d.check(b)
}

// check rejects batches without their required parts.
func (d decoder) check(b Batch) error {
	switch {
	case b.Sightings == nil:
		return fmt.Errorf("%w: missing sightings", ErrMalformed)
	case len(b.Sightings) > d.maxSightings:
		return fmt.Errorf("%w: %d sightings, at most %d", ErrTooLarge, len(b.Sightings), d.maxSightings)
	}
	return nil
}

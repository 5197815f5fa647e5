package rfid

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
)

// optInt is an int64 that knows whether it was present.
type optInt struct {
	v  int64
	ok bool
}

// optFloat is a float64 that knows whether it was present.
type optFloat struct {
	v  float64
	ok bool
}

var (
	int64Type   = reflect.TypeFor[int64]()
	float64Type = reflect.TypeFor[float64]()
)

// UnmarshalJSON takes a JSON integer; null leaves the field absent.
func (o *optInt) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return typeError(b, int64Type)
	}
	*o = optInt{v: v, ok: true}
	return nil
}

// UnmarshalJSON takes a finite JSON number; null leaves the field absent.
func (o *optFloat) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if !isJSONNumber(b) {
		return typeError(b, float64Type)
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return typeError(b, float64Type)
	}
	*o = optFloat{v: v, ok: true}
	return nil
}

// UnmarshalCBOR takes a CBOR integer; null leaves the field absent.
func (o *optInt) UnmarshalCBOR(b []byte) error {
	if isCBORNull(b) {
		return nil
	}
	if err := sightingCBOR.Unmarshal(b, &o.v); err != nil {
		return err
	}
	o.ok = true
	return nil
}

// UnmarshalCBOR takes a CBOR float or integer; null leaves the field absent.
func (o *optFloat) UnmarshalCBOR(b []byte) error {
	if isCBORNull(b) {
		return nil
	}
	if err := sightingCBOR.Unmarshal(b, &o.v); err != nil {
		return err
	}
	o.ok = true
	return nil
}

// sightingCBOR decodes the fields of one sighting.
var sightingCBOR = mustDecMode(16)

// isCBORNull reports CBOR null (0xf6) or undefined (0xf7).
func isCBORNull(b []byte) bool { return len(b) == 1 && (b[0] == 0xf6 || b[0] == 0xf7) }

// isJSONNumber tells a number from the other JSON values encoding/json
// hands an Unmarshaler (it has checked the syntax already).
func isJSONNumber(b []byte) bool {
	return len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9')
}

// typeError is encoding/json's error for a value of the wrong type; the
// decoder adds the field path to it.
func typeError(b []byte, t reflect.Type) error {
	kind := "number " + string(b)
	switch {
	case len(b) == 0:
		return errors.New("rfid: empty JSON value")
	case b[0] == '"':
		kind = "string"
	case b[0] == '{':
		kind = "object"
	case b[0] == '[':
		kind = "array"
	case b[0] == 't' || b[0] == 'f':
		kind = "bool"
	}
	return &json.UnmarshalTypeError{Value: kind, Type: t}
}

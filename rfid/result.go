package rfid

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"
	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/codes"
)

// Format names, a metric label.
const (
	formatJSON = "json"
	formatCBOR = "cbor"
)

// maxReason bounds the diagnostic payload of an error response.
const maxReason = 160

// Result is the body of a 2.04 Changed answer to a batch, in the request's
// format: {"accepted":12,"dropped":1}.
type Result struct {
	Accepted int `json:"accepted" cbor:"accepted"` // sightings handed to the engine
	Dropped  int `json:"dropped" cbor:"dropped"`   // invalid sightings dropped
}

// resultResponse is the 2.04 answer carrying res in format f.
func resultResponse(f message.MediaType, res Result) (response, error) {
	var body []byte
	switch f {
	case message.AppCBOR:
		b, err := cbor.Marshal(res)
		if err != nil {
			return response{}, fmt.Errorf("%w: cannot encode result: %w", ErrInternal, err)
		}
		body = b
	default:
		body = append(body, `{"accepted":`...)
		body = strconv.AppendInt(body, int64(res.Accepted), 10)
		body = append(body, `,"dropped":`...)
		body = strconv.AppendInt(body, int64(res.Dropped), 10)
		body = append(body, '}')
	}
	return response{code: codes.Changed, format: f, hasFormat: true, body: body}, nil
}

// trimPackage drops the "rfid: " prefix of our error messages.
func trimPackage(s string) string { return strings.TrimPrefix(s, "rfid: ") }

// clip cuts s to at most maxReason bytes on a rune boundary, so clients and
// logs never get unbounded echoes of their input.
func clip(s string) string {
	if len(s) <= maxReason {
		return s
	}
	cut := maxReason
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

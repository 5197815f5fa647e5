package rfid

import (
	"errors"

	"github.com/plgd-dev/go-coap/v3/message/codes"
)

// errorCodes is the one table mapping domain errors to CoAP response codes.
// The first entry whose error matches (errors.Is) wins; anything else is a
// 5.00 Internal Server Error.
var errorCodes = [...]struct {
	err  error
	code codes.Code
}{
	{ErrMalformed, codes.BadRequest},
	{ErrBadOption, codes.BadOption},
	{ErrForbidden, codes.Forbidden},
	{ErrUnknownReader, codes.NotFound},
	{ErrNotFound, codes.NotFound},
	{ErrMethodNotAllowed, codes.MethodNotAllowed},
	{ErrNotAcceptable, codes.NotAcceptable},
	{ErrTooLarge, codes.RequestEntityTooLarge},
	{ErrUnsupportedFormat, codes.UnsupportedMediaType},
	{ErrRateLimited, codes.TooManyRequests},
	{ErrUnavailable, codes.ServiceUnavailable},
	{ErrInternal, codes.InternalServerError},
}

// codeFor maps err to the CoAP response code a client gets for it.
func codeFor(err error) codes.Code {
	for _, e := range errorCodes {
		if errors.Is(err, e.err) {
			return e.code
		}
	}
	return codes.InternalServerError
}

// codeString renders a code the way CoAP documents write it ("4.04").
func codeString(c codes.Code) string { return codeLabels[byte(c)] }

// codeLabels holds codeString of every one-byte code, so metric labels
// cost no allocation.
var codeLabels = func() (l [256]string) {
	for c := range l {
		class, detail := byte(c)>>5, byte(c)&0x1f
		l[c] = string([]byte{'0' + class, '.', '0' + detail/10, '0' + detail%10})
	}
	return l
}()

package rfid

import (
	"errors"
	"fmt"
	"testing"

	"github.com/plgd-dev/go-coap/v3/message/codes"
)

func TestCodeFor(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{ErrMalformed, "4.00"},
		{ErrBadOption, "4.02"},
		{ErrUnknownReader, "4.04"},
		{ErrNotFound, "4.04"},
		{ErrMethodNotAllowed, "4.05"},
		{ErrNotAcceptable, "4.06"},
		{ErrTooLarge, "4.13"},
		{ErrUnsupportedFormat, "4.15"},
		{ErrUnavailable, "5.03"},
		{ErrInternal, "5.00"},
		{fmt.Errorf("decoding: %w", ErrMalformed), "4.00"},
		{fmt.Errorf("%w: %w", ErrUnavailable, errors.New("redis down")), "5.03"},
		{errors.New("something else"), "5.00"},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			if got := codeString(codeFor(tt.err)); got != tt.want {
				t.Errorf("codeFor = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestCodeString(t *testing.T) {
	for c, want := range map[codes.Code]string{codes.Changed: "2.04", codes.RequestEntityTooLarge: "4.13", codes.ServiceUnavailable: "5.03", codes.Empty: "0.00"} {
		if got := codeString(c); got != want {
			t.Errorf("codeString(%v) = %s, want %s", c, got, want)
		}
	}
}

func TestErrorResponse(t *testing.T) {
	long := fmt.Errorf("%w: %s", ErrMalformed, string(make([]byte, 500)))
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"client error keeps its reason", fmt.Errorf("%w: missing reader", ErrMalformed), "malformed payload: missing reader"},
		{"sink error hidden", fmt.Errorf("%w: %w", ErrUnavailable, errors.New("redis at 10.0.0.7 down")), "engine unavailable, retry later"},
		{"unknown error hidden", errors.New("boom"), "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(errorResponse(tt.err).body); got != tt.want {
				t.Errorf("reason %q, want %q", got, tt.want)
			}
		})
	}
	if n := len(errorResponse(long).body); n > maxReason+3 {
		t.Errorf("reason of %d bytes, want at most %d", n, maxReason+3)
	}
}

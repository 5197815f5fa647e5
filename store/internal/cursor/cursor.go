// Package cursor holds what both store implementations share about paging:
// page sizes and opaque page tokens. Tokens are base64url text; a token the
// store did not issue decodes to store.ErrBadToken.
package cursor

import (
	"encoding/base64"
	"fmt"

	"github.com/hospitalrtls/rtls/store"
)

// Page sizes of ListPositions and ListEvents.
const (
	DefaultPageSize = 100  // used when the query asks for <= 0
	MaxPageSize     = 1000 // larger requests are cut to this
)

// Token kinds, the first byte of a decoded token.
const (
	kindTag   = 'p' // position pages: the last tag id returned
	kindEvent = 'e' // event pages: the last stream id examined
)

// PageSize returns the page size to use for a requested size n.
func PageSize(n int) int {
	switch {
	case n <= 0:
		return DefaultPageSize
	case n > MaxPageSize:
		return MaxPageSize
	}
	return n
}

// TagToken returns the token for a page of positions that continues after tag.
// The token carries the tag id: treat it as confidentially as the page itself.
func TagToken(tag string) string { return encode(kindTag, tag) }

// ParseTagToken returns the tag id a TagToken continues after.
func ParseTagToken(tok string) (string, error) {
	tag, err := decode(kindTag, tok)
	if err != nil {
		return "", err
	}
	if tag == "" {
		return "", fmt.Errorf("%w: empty cursor", store.ErrBadToken)
	}
	return tag, nil
}

// EventToken returns the token for a page of events that continues after id.
func EventToken(id ID) string { return encode(kindEvent, id.String()) }

// ParseEventToken returns the stream id an EventToken continues after.
func ParseEventToken(tok string) (ID, error) {
	s, err := decode(kindEvent, tok)
	if err != nil {
		return ID{}, err
	}
	id, err := ParseID(s)
	if err != nil {
		return ID{}, fmt.Errorf("%w: %v", store.ErrBadToken, err)
	}
	return id, nil
}

func encode(kind byte, payload string) string {
	b := make([]byte, 0, 1+len(payload))
	b = append(b, kind)
	b = append(b, payload...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decode(kind byte, tok string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) == 0 || b[0] != kind {
		return "", store.ErrBadToken
	}
	return string(b[1:]), nil
}

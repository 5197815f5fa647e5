// Package cursor is the one home of what the stores and the API share about
// paging a list: page sizes, stream event ids and opaque page tokens.
//
// A page token is versioned and sealed (AES-GCM) with a key made when the
// process starts: a client cannot read the id it continues after (tag ids
// may name patients), cannot forge or alter one, and a token of one list
// fits no other. A token the process did not issue (tampered, of another
// list, of another server or of a run before a restart) is
// store.ErrBadToken; the client then starts the listing again.
package cursor

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/hospitalrtls/rtls/store"
)

// Page sizes of every paged list.
const (
	DefaultPageSize = 100  // used when a request asks for 0 (or less)
	MaxPageSize     = 1000 // the stores cut larger requests to this; the API rejects them
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

// Kind names the list a page token belongs to.
type Kind byte

// The paged lists.
const (
	Positions Kind = 'p' // store positions, by tag id
	Events    Kind = 'e' // store events, by stream id
	Rules     Kind = 'r' // geofence rules, by id
	Zones     Kind = 'z' // geofence zones and rooms, by id
	Tags      Kind = 't' // registry tags, by id
	Batteries Kind = 'b' // battery levels, by store.BatteryKey
	NotSeen   Kind = 'n' // assets not seen since a time, by last sighting then tag id
	Due       Kind = 'm' // assets due for maintenance, by due date then tag id
	Trails    Kind = 'v' // one tag's trail, by visit entry time
	Audit     Kind = 'a' // audit records, by log id
	Status    Kind = 'h' // one tag's status history, by sequence number
)

// version is the first byte of every token: the layout and key it is
// sealed with.
const version = 1

// aead seals the tokens of this process.
var aead = newAEAD()

func newAEAD() cipher.AEAD {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil { // crypto/rand never fails
		panic(err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return g
}

// Token returns the token of the page of list k that continues after the
// item last (an id that is never empty).
func Token(k Kind, last string) string {
	nonce := make([]byte, aead.NonceSize(), 1+aead.NonceSize()+len(last)+aead.Overhead())
	_, _ = rand.Read(nonce) // never fails (crypto/rand)
	b := append([]byte{version}, nonce...)
	b = aead.Seal(b, nonce, []byte(last), []byte{version, byte(k)})
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseToken returns the id a Token of list k continues after; anything
// else is store.ErrBadToken.
func ParseToken(k Kind, tok string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	n := aead.NonceSize()
	if err != nil || len(b) < 1+n+aead.Overhead() || b[0] != version {
		return "", store.ErrBadToken
	}
	last, err := aead.Open(nil, b[1:1+n], b[1+n:], []byte{version, byte(k)})
	if err != nil || len(last) == 0 {
		return "", store.ErrBadToken
	}
	return string(last), nil
}

// EventToken returns the token for a page of events that continues after id.
func EventToken(id ID) string { return Token(Events, id.String()) }

// ParseEventToken returns the stream id an EventToken continues after.
func ParseEventToken(tok string) (ID, error) {
	s, err := ParseToken(Events, tok)
	if err != nil {
		return ID{}, err
	}
	id, err := ParseID(s)
	if err != nil {
		return ID{}, fmt.Errorf("%w: %v", store.ErrBadToken, err)
	}
	return id, nil
}

// StatusToken returns the token for a page of tag's status history that
// continues after (below) the change numbered seq.
func StatusToken(tag string, seq uint64) string {
	return Token(Status, strconv.FormatUint(seq, 10)+" "+tag)
}

// ParseStatusToken returns the number a StatusToken of tag continues
// after; a token of another tag is store.ErrBadToken.
func ParseStatusToken(tag, tok string) (uint64, error) {
	s, err := ParseToken(Status, tok)
	if err != nil {
		return 0, err
	}
	num, of, ok := strings.Cut(s, " ")
	seq, err := strconv.ParseUint(num, 10, 64)
	if !ok || err != nil || of != tag {
		return 0, store.ErrBadToken
	}
	return seq, nil
}

package jsonl

import (
	"bytes"
	"strconv"

	"github.com/hospitalrtls/rtls/location"
)

// parseSightingFast decodes a sightings object in exactly the form
// AppendSighting writes, with strings of printable ASCII other than '"'
// and '\': the lines of every data set and simulator. ok is false for any
// other form, which encoding/json then decodes. Replay reads one sighting
// per engine step, so this path avoids encoding/json's reflection.
func parseSightingFast(b []byte) (s location.Sighting, ok bool) {
	if b, ok = cutPrefix(b, `{"ts":`); !ok {
		return s, false
	}
	if s.TS, b, ok = jsonInt(b); !ok {
		return s, false
	}
	if b, ok = cutPrefix(b, `,"reader":`); !ok {
		return s, false
	}
	if s.Reader, b, ok = plainString(b); !ok {
		return s, false
	}
	if b, ok = cutPrefix(b, `,"tag":`); !ok {
		return s, false
	}
	if s.Tag, b, ok = plainString(b); !ok {
		return s, false
	}
	if b, ok = cutPrefix(b, `,"rssi":`); !ok {
		return s, false
	}
	n := numberLen(b)
	if n == 0 {
		return s, false
	}
	var err error
	if s.RSSI, err = strconv.ParseFloat(string(b[:n]), 64); err != nil {
		return s, false
	}
	b = b[n:]
	if rest, ok := cutPrefix(b, `,"seq":`); ok {
		n := numberLen(rest)
		if n == 0 || rest[0] == '-' {
			return s, false
		}
		if s.Seq, err = strconv.ParseUint(string(rest[:n]), 10, 64); err != nil {
			return s, false
		}
		b = rest[n:]
	}
	return s, len(b) == 1 && b[0] == '}' && s.Reader != "" && s.Tag != ""
}

func cutPrefix(b []byte, prefix string) ([]byte, bool) {
	if len(b) < len(prefix) || string(b[:len(prefix)]) != prefix {
		return b, false
	}
	return b[len(prefix):], true
}

// jsonInt decodes the JSON integer at the start of b.
func jsonInt(b []byte) (int64, []byte, bool) {
	n := numberLen(b)
	if n == 0 || bytes.ContainsAny(b[:n], ".eE") {
		return 0, b, false
	}
	v, err := strconv.ParseInt(string(b[:n]), 10, 64)
	return v, b[n:], err == nil
}

// plainString decodes the JSON string at the start of b if it holds only
// printable ASCII other than '"' and '\'.
func plainString(b []byte) (string, []byte, bool) {
	if len(b) == 0 || b[0] != '"' {
		return "", b, false
	}
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return string(b[1:i]), b[i+1:], true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return "", b, false
		}
	}
	return "", b, false
}

// numberLen returns the length of the JSON number at the start of b, 0 if
// there is none.
func numberLen(b []byte) int {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return 0
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return 0
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return 0
		}
		i = j
	}
	return i
}

// digits returns the index of the first byte at or after i that is not a
// decimal digit.
func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

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
// per engine step, so this path avoids encoding/json's reflection, and
// takes the reader and tag ids from ids (nil: a new string each).
func parseSightingFast(b []byte, ids *interner) (s location.Sighting, ok bool) {
	if b, ok = cutPrefix(b, `{"ts":`); !ok {
		return s, false
	}
	if s.TS, b, ok = jsonInt(b); !ok {
		return s, false
	}
	if b, ok = cutPrefix(b, `,"reader":`); !ok {
		return s, false
	}
	if s.Reader, b, ok = plainString(b, ids); !ok {
		return s, false
	}
	if b, ok = cutPrefix(b, `,"tag":`); !ok {
		return s, false
	}
	if s.Tag, b, ok = plainString(b, ids); !ok {
		return s, false
	}
	if b, ok = cutPrefix(b, `,"rssi":`); !ok {
		return s, false
	}
	if s.RSSI, b, ok = jsonFloat(b); !ok {
		return s, false
	}
	if rest, ok := cutPrefix(b, `,"seq":`); ok {
		n := numberLen(rest)
		if n == 0 || rest[0] == '-' {
			return s, false
		}
		var err error
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
	if v, ok := smallInt(b[:n]); ok {
		return v, b[n:], true
	}
	v, err := strconv.ParseInt(string(b[:n]), 10, 64)
	return v, b[n:], err == nil
}

// jsonFloat decodes the JSON number at the start of b.
func jsonFloat(b []byte) (float64, []byte, bool) {
	n := numberLen(b)
	if n == 0 {
		return 0, b, false
	}
	// An integer of at most 15 digits is exactly a float64: the
	// conversion is what strconv.ParseFloat would give, -0 included.
	neg := b[0] == '-'
	if v, ok := smallInt(b[:n]); ok && (n <= 15 || neg && n <= 16) {
		if neg {
			return -float64(-v), b[n:], true
		}
		return float64(v), b[n:], true
	}
	f, err := strconv.ParseFloat(string(b[:n]), 64)
	return f, b[n:], err == nil
}

// smallInt decodes num, a JSON number (numberLen), when it is an integer
// of at most 18 digits; ok is false otherwise.
func smallInt(num []byte) (v int64, ok bool) {
	digits := num
	if digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) > 18 {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if num[0] == '-' {
		v = -v
	}
	return v, true
}

// plainString decodes the JSON string at the start of b if it holds only
// printable ASCII other than '"' and '\', taking it from ids.
func plainString(b []byte, ids *interner) (string, []byte, bool) {
	if len(b) == 0 || b[0] != '"' {
		return "", b, false
	}
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return ids.get(b[1:i]), b[i+1:], true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return "", b, false
		}
	}
	return "", b, false
}

// interner hands out one string per distinct id, so that a stream's
// sightings share their reader and tag ids instead of allocating two
// strings each. It keeps at most maxInterned ids; later ones are
// allocated each time.
type interner struct {
	m map[string]string
}

// maxInterned bounds an interner: a hospital's readers and tags.
const maxInterned = 1 << 17

// get returns b as a string, the same one for the same bytes. A nil
// interner allocates a new string each time.
func (in *interner) get(b []byte) string {
	if in == nil {
		return string(b)
	}
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(in.m) < maxInterned {
		if in.m == nil {
			in.m = map[string]string{}
		}
		in.m[s] = s
	}
	return s
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

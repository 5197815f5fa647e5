package sim

import (
	"strconv"
	"unicode/utf8"

	"github.com/hospitalrtls/rtls/rfid"
)

// appendSightings appends one FORMATS.md sightings line per sighting of b.
func appendSightings(dst []byte, b rfid.Batch) []byte {
	for _, s := range b.Sightings {
		dst = append(dst, `{"ts":`...)
		dst = strconv.AppendInt(dst, s.TS, 10)
		dst = append(dst, `,"reader":`...)
		dst = appendString(dst, b.Reader)
		dst = append(dst, `,"tag":`...)
		dst = appendString(dst, s.Tag)
		dst = append(dst, `,"rssi":`...)
		dst = strconv.AppendFloat(dst, s.RSSI, 'f', -1, 64)
		dst = append(dst, `,"seq":`...)
		dst = strconv.AppendUint(dst, b.Seq, 10)
		dst = append(dst, "}\n"...)
	}
	return dst
}

// appendTruth appends one FORMATS.md ground truth line.
func appendTruth(dst []byte, r TruthRow) []byte {
	dst = append(dst, `{"ts":`...)
	dst = strconv.AppendInt(dst, r.TS, 10)
	dst = append(dst, `,"tag":`...)
	dst = appendString(dst, r.Tag)
	dst = append(dst, `,"level":`...)
	dst = appendString(dst, r.Level)
	dst = append(dst, `,"x":`...)
	dst = strconv.AppendFloat(dst, round2(r.X), 'f', -1, 64)
	dst = append(dst, `,"y":`...)
	dst = strconv.AppendFloat(dst, round2(r.Y), 'f', -1, 64)
	dst = append(dst, `,"room":`...)
	if r.Room == "" {
		dst = append(dst, "null"...)
	} else {
		dst = appendString(dst, r.Room)
	}
	return append(dst, "}\n"...)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		dst = utf8.AppendRune(dst, r)
		i += n
	}
	return append(dst, '"')
}

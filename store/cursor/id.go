package cursor

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/hospitalrtls/rtls/store"
)

// ID is a stream entry id "<ms>-<seq>" as Redis assigns it: the arrival
// time in epoch milliseconds and a sequence number within that millisecond.
// The zero ID ("0-0") sorts before every entry.
type ID struct {
	MS, Seq uint64
}

// ParseID parses "0", "<ms>" (meaning "<ms>-0") or "<ms>-<seq>". Anything
// else is store.ErrBadEventID.
func ParseID(s string) (ID, error) {
	msPart, seqPart, hasSeq := strings.Cut(s, "-")
	ms, err := parseUint(msPart)
	if err != nil {
		return ID{}, store.ErrBadEventID
	}
	id := ID{MS: ms}
	if hasSeq {
		if id.Seq, err = parseUint(seqPart); err != nil {
			return ID{}, store.ErrBadEventID
		}
	}
	return id, nil
}

// parseUint accepts decimal digits only: no sign, no spaces, no empty string.
func parseUint(s string) (uint64, error) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseUint(s, 10, 64)
}

// String returns the "<ms>-<seq>" form.
func (id ID) String() string {
	b := make([]byte, 0, 24)
	b = strconv.AppendUint(b, id.MS, 10)
	b = append(b, '-')
	b = strconv.AppendUint(b, id.Seq, 10)
	return string(b)
}

// Compare returns -1, 0 or +1 as id sorts before, equal to or after o.
func (id ID) Compare(o ID) int {
	if c := cmp.Compare(id.MS, o.MS); c != 0 {
		return c
	}
	return cmp.Compare(id.Seq, o.Seq)
}

// Next returns the id a new entry gets when the newest one is id and the
// clock reads nowMS: nowMS-0 when the clock moved past id, else id's
// millisecond with the next sequence number (so ids strictly increase even
// if the clock stalls or steps back).
func (id ID) Next(nowMS uint64) ID {
	if nowMS > id.MS {
		return ID{MS: nowMS}
	}
	return ID{MS: id.MS, Seq: id.Seq + 1}
}

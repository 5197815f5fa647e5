package analytics

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Stored layout. A bucket holds, for each row ("<class>\x1f<key>[\x1f<key2>]")
// it has counted, up to three fields, each packed so that a query reads a
// few thousand values, not one value per tag:
//
//	<row>\x1fc  counters: (counter, value) pairs as unsigned varints,
//	            by ascending counter
//	<row>\x1ft  the tags counted (SetTags): 4-byte big-endian tag numbers,
//	            each once, in the order they joined
//	<row>\x1fu  the assets in use (SetInUse), the same way
//	<row>\x1fm  transitions (SetMoves; the row is "<class>\x1f<from>"): one
//	            entry per move, the key moved to (its length as an
//	            unsigned varint, then its bytes) then the tag's number
//
// A tag number is the tag's place in the store's tag index (TagHash ->
// number, numbered from 0 as first seen), so distinct tags over many hours
// are counted exactly with a bitset. The Redis store does the same in its
// Apply script; Packer is the in-memory version.

// Counter names a counter of a row.
type Counter uint16

// Counters. The dwell histogram bin i is FirstBin+i.
const (
	CountVisits      Counter = iota // visits (dwell) or moves (transitions)
	CountMs                         // summed visit length, ms
	CountInUseMs                    // utilization: time IN_USE, ms
	CountAvailableMs                // utilization: time AVAILABLE, ms
	CountOtherMs                    // utilization: time in any other status, ms
	FirstBin         Counter = 16
	// MaxCounter bounds the counters an Op may name.
	MaxCounter Counter = 1024
)

// Sets of a row.
const (
	SetTags  = 't' // the distinct tags counted in the row
	SetInUse = 'u' // utilization: the assets IN_USE in the row
	SetMoves = 'm' // transitions: moves from the row's key to Op.To
)

// partCounters is the field suffix of a row's counters.
const partCounters = 'c'

// ErrBadOp is returned by Op.Validate for an op a store must refuse.
var ErrBadOp = errors.New("analytics: bad op")

// maxRowLen bounds a row: a class and two ids of at most 256 bytes.
const maxRowLen = 4 * 256

// Field returns the stored field the op changes.
func (op Op) Field() string {
	part := byte(partCounters)
	if op.Set != 0 {
		part = op.Set
	}
	return op.Row + sep + string(part)
}

// Validate reports whether a store can apply op.
func (op Op) Validate() error {
	if _, ok := BucketHour(op.Bucket); !ok {
		return fmt.Errorf("%w: bucket %q", ErrBadOp, op.Bucket)
	}
	switch {
	case op.Row == "" || strings.Count(op.Row, sep) < 1:
		return fmt.Errorf("%w: row without class and key", ErrBadOp)
	case len(op.Row) > maxRowLen:
		return fmt.Errorf("%w: row longer than %d bytes", ErrBadOp, maxRowLen)
	case !utf8.ValidString(op.Row):
		return fmt.Errorf("%w: row not valid UTF-8", ErrBadOp)
	}
	switch op.Set {
	case 0:
		if op.Counter >= MaxCounter || op.Add < 0 {
			return fmt.Errorf("%w: counter %d add %d", ErrBadOp, op.Counter, op.Add)
		}
	case SetTags, SetInUse, SetMoves:
		if !isTagHash(op.Tag) {
			return fmt.Errorf("%w: tag is not a TagHash", ErrBadOp)
		}
		if (op.Set == SetMoves) != (op.To != "") {
			return fmt.Errorf("%w: a move needs To, other ops none", ErrBadOp)
		}
		if len(op.To) > maxRowLen || !utf8.ValidString(op.To) {
			return fmt.Errorf("%w: bad To", ErrBadOp)
		}
	default:
		return fmt.Errorf("%w: set %q", ErrBadOp, op.Set)
	}
	return nil
}

// isTagHash reports whether h is 16 lowercase hex digits.
func isTagHash(h string) bool {
	if len(h) != 16 {
		return false
	}
	for i := range len(h) {
		if c := h[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Packer applies Ops to Fields in memory the way the Redis store's script
// does, numbering tags as it first sees them. It is not safe for
// concurrent use.
type Packer struct {
	tags map[string]uint32 // TagHash -> tag number
}

// NewPacker returns a Packer with an empty tag index.
func NewPacker() *Packer { return &Packer{tags: map[string]uint32{}} }

// Apply applies ops to fs, creating buckets as needed.
func (p *Packer) Apply(fs Fields, ops []Op) {
	for _, op := range ops {
		b := fs[op.Bucket]
		if b == nil {
			b = map[string]string{}
			fs[op.Bucket] = b
		}
		f := op.Field()
		if op.Set == 0 {
			b[f] = addCounter(b[f], op.Counter, op.Add)
			continue
		}
		n, ok := p.tags[op.Tag]
		if !ok {
			n = uint32(len(p.tags))
			p.tags[op.Tag] = n
		}
		if op.Set == SetMoves {
			b[f] = addMove(b[f], op.To, n)
		} else {
			b[f] = addMember(b[f], n)
		}
	}
}

// addMove returns the moves rec with a move of tag number n to key to.
func addMove(rec, to string, n uint32) string {
	out := binary.AppendUvarint([]byte(rec), uint64(len(to)))
	out = append(out, to...)
	return string(binary.BigEndian.AppendUint32(out, n))
}

// eachMove calls fn for each move of a moves field; it stops at a
// malformed entry.
func eachMove(rec string, fn func(to string, n uint32)) {
	for len(rec) > 0 {
		l, k := uvarint(rec)
		if k <= 0 || uint64(len(rec)-k) < l+4 {
			return
		}
		end := k + int(l)
		fn(rec[k:end], be32(rec, end))
		rec = rec[end+4:]
	}
}

// addCounter returns the counters rec with add added to counter c.
func addCounter(rec string, c Counter, add int64) string {
	type pair struct {
		c Counter
		v uint64
	}
	var ps []pair
	found := false
	eachCounter(rec, func(k Counter, v uint64) {
		if k == c {
			v += uint64(add)
			found = true
		}
		ps = append(ps, pair{k, v})
	})
	if !found {
		ps = append(ps, pair{c, uint64(add)})
		slices.SortFunc(ps, func(a, b pair) int { return int(a.c) - int(b.c) })
	}
	out := make([]byte, 0, len(rec)+4)
	for _, p := range ps {
		out = binary.AppendUvarint(out, uint64(p.c))
		out = binary.AppendUvarint(out, p.v)
	}
	return string(out)
}

// addMember returns the set rec with tag number n in it.
func addMember(rec string, n uint32) string {
	m := string(binary.BigEndian.AppendUint32(nil, n))
	for i := 0; i+4 <= len(rec); i += 4 {
		if rec[i:i+4] == m {
			return rec
		}
	}
	return rec + m
}

// eachCounter calls fn for each (counter, value) pair of a counters field;
// it stops at a malformed pair.
func eachCounter(rec string, fn func(c Counter, v uint64)) {
	for len(rec) > 0 {
		c, n := uvarint(rec)
		if n <= 0 {
			return
		}
		v, m := uvarint(rec[n:])
		if m <= 0 {
			return
		}
		fn(Counter(c), v)
		rec = rec[n+m:]
	}
}

// uvarint is binary.Uvarint over a string.
func uvarint(s string) (uint64, int) {
	var x uint64
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		b := s[i]
		if b < 0x80 {
			return x | uint64(b)<<(7*i), i + 1
		}
		x |= uint64(b&0x7f) << (7 * i)
	}
	return 0, 0
}

// members returns the number of tags of a set field.
func members(rec string) int { return len(rec) / 4 }

// distinct counts distinct tag numbers; bits is scratch space, all zero
// on entry and on return.
type distinct struct{ bits []uint64 }

// set sets bit t and reports whether it was clear.
func (d *distinct) set(t uint32) bool {
	w := int(t / 64)
	if w >= len(d.bits) {
		d.bits = slices.Grow(d.bits, w+1-len(d.bits))[:w+1]
	}
	bit := uint64(1) << (t % 64)
	was := d.bits[w]&bit == 0
	d.bits[w] |= bit
	return was
}

// reset clears every bit.
func (d *distinct) reset() { clear(d.bits) }

// count returns the number of distinct tag numbers in the sets.
func (d *distinct) count(sets []string) int {
	n := 0
	for _, s := range sets {
		for i := 0; i+4 <= len(s); i += 4 {
			if d.set(be32(s, i)) {
				n++
			}
		}
	}
	for _, s := range sets {
		for i := 0; i+4 <= len(s); i += 4 {
			d.bits[be32(s, i)/64] = 0
		}
	}
	return n
}

// be32 returns the big-endian uint32 at s[i:i+4].
func be32(s string, i int) uint32 {
	return uint32(s[i])<<24 | uint32(s[i+1])<<16 | uint32(s[i+2])<<8 | uint32(s[i+3])
}

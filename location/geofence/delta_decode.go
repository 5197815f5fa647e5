package geofence

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
)

// snapshotOfParts decodes merged TakeDirty parts into the snapshot they
// amount to, tags ordered by id. Errors name a tag part by its index in id
// order, never by id.
func snapshotOfParts(parts map[string][]byte) (snapshot, error) {
	s := snapshot{V: snapshotVersion}
	if g := parts[GlobalPart]; g != nil {
		if err := decodeGlobalPart(g, &s); err != nil {
			return snapshot{}, fmt.Errorf("%w: global part: %v", ErrSnapshot, err)
		}
	}
	ids := make([]string, 0, len(parts))
	for id, p := range parts {
		if id != GlobalPart && p != nil {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	s.Tags = make([]snapTag, len(ids))
	for i, id := range ids {
		st, err := decodeTagPart(parts[id])
		if err != nil {
			return snapshot{}, fmt.Errorf("%w: tag part %d (in id order): %v", ErrSnapshot, i, err)
		}
		st.ID = id
		s.Tags[i] = st
	}
	return s, nil
}

// decodeTagPart decodes a tag part, without the id.
func decodeTagPart(data []byte) (snapTag, error) {
	r := partReader{b: data}
	r.version()
	st := snapTag{Seen: r.flags(1) != 0, Last: r.varint()}
	st.Clock = st.Last + r.varint()
	if n := r.count(4); n > 0 {
		st.Members = make([]snapMember, n)
	}
	for i := range st.Members {
		m := &st.Members[i]
		m.Zone, m.Raw = r.id(), r.flags(1) != 0
		m.Views = make([]snapView, r.count(2))
		for j := range m.Views {
			m.Views[j] = r.view(st.Last)
		}
	}
	return st, r.done()
}

// decodeGlobalPart decodes the global part into s.
func decodeGlobalPart(data []byte, s *snapshot) error {
	r := partReader{b: data}
	r.version()
	f := r.flags(globalFlags)
	s.Ticked, s.Started, s.Warm = f&globalTicked != 0, f&globalStarted != 0, f&globalWarm != 0
	s.Tick, s.Start = r.varint(), r.varint()
	for range r.count(4) {
		p := snapPar{Rule: r.id(), Below: r.flags(1) != 0}
		if n := r.uvarint(); n <= math.MaxInt32 {
			p.Count = int(n)
		} else {
			r.fail("count out of range")
		}
		p.Last = r.varint()
		s.Par = append(s.Par, p)
	}
	for range r.count(4) {
		s.Orphans = append(s.Orphans, snapOrphan{Tag: r.id(), Zone: r.id()})
	}
	return r.done()
}

// partReader reads a part; after the first error every read returns zero
// and done reports the error.
type partReader struct {
	b   []byte
	err error
}

// fail records an error and stops reading.
func (r *partReader) fail(msg string) {
	if r.err == nil {
		r.err = errors.New(msg)
	}
	r.b = nil
}

// version reads and checks the version byte.
func (r *partReader) version() {
	if v := r.byte(); r.err == nil && v != partVersion {
		r.fail(fmt.Sprintf("version %d, want %d", v, partVersion))
	}
}

// byte reads one byte.
func (r *partReader) byte() byte {
	if len(r.b) == 0 {
		r.fail("truncated")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// flags reads a byte of flags, failing on bits outside known.
func (r *partReader) flags(known byte) byte {
	f := r.byte()
	if f&^known != 0 {
		r.fail("unknown flags")
		return 0
	}
	return f
}

// varint reads a signed varint.
func (r *partReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("bad or truncated number")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// uvarint reads an unsigned varint.
func (r *partReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad or truncated number")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a number of items that take at least size bytes each,
// failing when the rest of the part cannot hold them.
func (r *partReader) count(size int) int {
	n := r.uvarint()
	if n > uint64(len(r.b)/size) {
		r.fail("count larger than the part")
		return 0
	}
	return int(n)
}

// id reads a length-prefixed id and checks it.
func (r *partReader) id() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail("truncated id")
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	if msg := idProblem(s); msg != "" && r.err == nil {
		r.fail("id " + msg)
	}
	return s
}

// view reads a view whose times are relative to base.
func (r *partReader) view(base int64) snapView {
	v := snapView{Debounce: r.varint()}
	f := r.flags(viewFlags)
	v.In, v.Pend = f&viewIn != 0, f&viewPend != 0
	for _, at := range [...]struct {
		bit byte
		dst *int64
	}{{viewSince, &v.Since}, {viewPendAt, &v.PendAt}, {viewDone, &v.DwellDone}} {
		if f&at.bit != 0 {
			*at.dst = base + r.varint()
		}
	}
	return v
}

// done reports the first error, or trailing bytes.
func (r *partReader) done() error {
	if r.err == nil && len(r.b) > 0 {
		r.fail("trailing bytes")
	}
	return r.err
}

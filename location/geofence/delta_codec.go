package geofence

import (
	"cmp"
	"encoding/binary"
	"slices"
	"strings"
)

// The parts of TakeDirty are compact binary. Integers are varints (signed,
// zigzag) or uvarints; strings are a uvarint length and the bytes. Times of
// a tag are stored relative to its newest position (small numbers), and
// view times that are zero are left out.
//
//	tag part:    version, flags (1 = seen), last, clock-last, #members,
//	             members ordered by zone id
//	member:      zone id, raw (0 or 1), #views, views
//	view:        debounce, flags (viewIn, viewPend, viewSince, viewPendAt,
//	             viewDone), since-last, pendAt-last, dwellDone-last (each
//	             only when its flag is set)
//	global part: version, flags (1 ticked, 2 started, 4 warm), tick, start,
//	             #par, par levels (rule id, below (0 or 1), count, last),
//	             #orphans, orphans ordered (tag id, zone id)

// partVersion is the first byte of every part.
const partVersion = 1

// Flags of a view in a tag part.
const (
	viewIn byte = 1 << iota
	viewPend
	viewSince
	viewPendAt
	viewDone
	viewFlags = viewIn | viewPend | viewSince | viewPendAt | viewDone
)

// Flags of the global part.
const (
	globalTicked byte = 1 << iota
	globalStarted
	globalWarm
	globalFlags = globalTicked | globalStarted | globalWarm
)

// appendTagPart appends the part of tag t.
func (e *Engine) appendTagPart(b []byte, t *tagState) []byte {
	b = append(b, partVersion, boolByte(t.seen))
	b = binary.AppendVarint(b, t.last)
	b = binary.AppendVarint(b, t.clock-t.last)
	b = binary.AppendUvarint(b, uint64(len(t.members)))
	for _, i := range e.memberOrder(t) {
		m := &t.members[i]
		b = appendString(b, m.z.z.ID)
		b = append(b, boolByte(m.raw))
		b = binary.AppendUvarint(b, uint64(m.nviews()))
		for vi := range m.nviews() {
			b = appendView(b, m.z.debounce[vi], m.view(vi), t.last)
		}
	}
	return b
}

// memberOrder returns the indexes of the tag's members ordered by zone id,
// in a scratch slice valid until the next call.
func (e *Engine) memberOrder(t *tagState) []int {
	o := e.delta.order[:0]
	for i := range t.members {
		o = append(o, i)
	}
	for i := 1; i < len(o); i++ { // insertion sort: tags have few members
		for j := i; j > 0 && t.members[o[j]].z.z.ID < t.members[o[j-1]].z.z.ID; j-- {
			o[j], o[j-1] = o[j-1], o[j]
		}
	}
	e.delta.order = o
	return o
}

// appendView appends a view watched with debounce deb; its times are
// relative to base.
func appendView(b []byte, deb int64, v *view, base int64) []byte {
	flags := boolBit(v.in, viewIn) | boolBit(v.pend, viewPend) | boolBit(v.since != 0, viewSince) |
		boolBit(v.pendAt != 0, viewPendAt) | boolBit(v.dwellDone != 0, viewDone)
	b = binary.AppendVarint(b, deb)
	b = append(b, flags)
	for _, f := range [...]struct {
		bit byte
		at  int64
	}{{viewSince, v.since}, {viewPendAt, v.pendAt}, {viewDone, v.dwellDone}} {
		if flags&f.bit != 0 {
			b = binary.AppendVarint(b, f.at-base)
		}
	}
	return b
}

// appendGlobalPart appends the engine-wide part.
func (e *Engine) appendGlobalPart(b []byte) []byte {
	c := e.clk
	b = append(b, partVersion, boolBit(c.ticked, globalTicked)|boolBit(c.started, globalStarted)|boolBit(c.warm, globalWarm))
	b = binary.AppendVarint(b, c.tick)
	b = binary.AppendVarint(b, c.start)
	n := 0
	for _, r := range e.par {
		if r.par.level != parUnknown {
			n++
		}
	}
	b = binary.AppendUvarint(b, uint64(n))
	for _, r := range e.par {
		if p := &r.par; p.level != parUnknown {
			b = appendString(b, r.ID)
			b = append(b, boolByte(p.level == parBelow))
			b = binary.AppendUvarint(b, uint64(max(p.count, 0)))
			b = binary.AppendVarint(b, p.last)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(e.orphans)))
	for _, o := range sortedOrphans(e.orphans) {
		b = appendString(b, o.tag.id)
		b = appendString(b, o.zone)
	}
	return b
}

// sortedOrphans returns the orphans ordered by tag id, then zone.
func sortedOrphans(os []orphan) []orphan {
	if len(os) < 2 {
		return os
	}
	os = slices.Clone(os)
	slices.SortFunc(os, func(a, b orphan) int {
		return cmp.Or(strings.Compare(a.tag.id, b.tag.id), strings.Compare(a.zone, b.zone))
	})
	return os
}

// appendString appends a length-prefixed string.
func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// boolByte returns 1 for true, 0 for false.
func boolByte(v bool) byte { return boolBit(v, 1) }

// boolBit returns bit when v is true, else 0.
func boolBit(v bool, bit byte) byte {
	if v {
		return bit
	}
	return 0
}

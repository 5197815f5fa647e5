package geofence

import (
	"bytes"
	"encoding/binary"
	"errors"
	"maps"
	"strings"
	"testing"
)

// goodRules are the rules of goodParts: one PAR rule.
var goodRules = []Rule{{ID: "par", Type: RulePar, ZoneID: "ST", MinCount: 1, Enabled: true}}

// goodParts returns the saved parts of a small run: PT-SECRET in A (and
// the plan zone PZ), the PAR rule judged below par.
func goodParts(t testing.TB) partStore {
	t.Helper()
	e := newTestEngine(t, Config{}, goodRules...)
	saved := partStore{}
	steps := walk("PT-SECRET", "A", 0, 10)
	for i := range steps {
		steps[i].pos.X = 1 // in PZ too
	}
	runSaving(e, interleave(steps, ticks(0, 10)), saved)
	return saved
}

func TestRestorePartsRejects(t *testing.T) {
	good := goodParts(t)
	tag, global := good["PT-SECRET"], good[GlobalPart]
	if tag == nil || global == nil {
		t.Fatal("the run saved no tag or global part")
	}
	with := func(key string, v []byte) partStore {
		p := maps.Clone(good)
		p[key] = v
		return p
	}
	edit := func(b []byte, i int, v byte) []byte {
		b = bytes.Clone(b)
		b[i] = v
		return b
	}
	tests := []struct {
		name  string
		parts partStore
		want  string // in the error
	}{
		{"tag version", with("PT-SECRET", edit(tag, 0, 9)), "version 9"},
		{"tag empty", with("PT-SECRET", []byte{}), "truncated"},
		{"tag truncated", with("PT-SECRET", tag[:len(tag)-1]), "truncated number"},
		{"tag trailing byte", with("PT-SECRET", append(bytes.Clone(tag), 0)), "trailing bytes"},
		{"tag unknown flags", with("PT-SECRET", edit(tag, 1, 0x80)), "unknown flags"},
		{"tag huge member count", with("PT-SECRET", hugeCount(tag)), "count larger"},
		{"tag id with control", with("PT\x01SECRET", tag), "bad or repeated id"},
		{"tag id too long", with(strings.Repeat("P", MaxIDLen+1), tag), "bad or repeated id"},
		{"tag id not UTF-8", with("PT\xffSECRET", tag), "bad or repeated id"},
		{"members out of order", with("PT-SECRET", swappedMembers(t, tag)), "not ordered"},
		{"pending does not match", with("PT-SECRET", partInA(view{in: true, pend: true})), "pending state"},
		{"member without views", with("PT-SECRET", partInA()), "no views"},
		{"global version", with(GlobalPart, edit(global, 0, 2)), "global part: version 2"},
		{"global unknown flags", with(GlobalPart, edit(global, 1, 0xf0)), "global part: unknown flags"},
		{"global truncated", with(GlobalPart, global[:len(global)-1]), "global part: bad or truncated"},
		{"global empty", with(GlobalPart, []byte{}), "global part: truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEngine(t, Config{})
			run(e, walk("S1", "A", 0, 5))
			before, _ := e.Snapshot()
			err := e.RestoreParts(tt.parts)
			if !errors.Is(err, ErrSnapshot) {
				t.Fatalf("RestoreParts = %v, want ErrSnapshot", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error %q names a tag", err)
			}
			if after, _ := e.Snapshot(); !bytes.Equal(before, after) {
				t.Fatal("a failed RestoreParts changed the state")
			}
		})
	}
	t.Run("accepts the good parts", func(t *testing.T) {
		if err := newTestEngine(t, Config{}).RestoreParts(good); err != nil {
			t.Fatal(err)
		}
	})
}

// hugeCount returns a tag part claiming a billion members.
func hugeCount(part []byte) []byte {
	r := partReader{b: part[2:]}
	r.varint()
	r.varint()
	head := part[:len(part)-len(r.b)]
	b := binary.AppendUvarint(bytes.Clone(head), 1e9)
	r.uvarint()
	return append(b, r.b...)
}

// swappedMembers re-encodes a tag part of two members in reverse order.
func swappedMembers(t *testing.T, part []byte) []byte {
	t.Helper()
	st, err := decodeTagPart(part)
	if err != nil || len(st.Members) != 2 {
		t.Fatalf("want a part of two members: %v, %d", err, len(st.Members))
	}
	b := []byte{partVersion, 1}
	b = binary.AppendVarint(b, st.Last)
	b = binary.AppendVarint(b, st.Clock-st.Last)
	b = binary.AppendUvarint(b, 2)
	for _, m := range []snapMember{st.Members[1], st.Members[0]} {
		b = appendString(b, m.Zone)
		b = append(b, boolByte(m.Raw))
		b = binary.AppendUvarint(b, uint64(len(m.Views)))
		for _, v := range m.Views {
			b = appendView(b, v.Debounce, &view{in: v.In, pend: v.Pend, since: v.Since, pendAt: v.PendAt, dwellDone: v.DwellDone}, st.Last)
		}
	}
	return b
}

// partInA returns a tag part with one member, in A and raw, with the
// views given (debounce 3 s).
func partInA(views ...view) []byte {
	b := []byte{partVersion, 1, 2, 0, 1}
	b = appendString(b, "A")
	b = append(b, 1)
	b = binary.AppendUvarint(b, uint64(len(views)))
	for i := range views {
		b = appendView(b, 3000, &views[i], 1)
	}
	return b
}

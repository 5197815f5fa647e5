package jsonl_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/jsonl"
)

// awkward are strings every encoder must get right.
var awkward = []string{
	"PUMP-008", "", "\a", "\x00\x1f\x7f", `"quoted" \ back/slash`, "\b\f\n\r\t",
	"ümlaut 日本 🏥", "\u2028\u2029", "</script>&", "bad \xff utf8 \xe2\x82", "\xed\xa0\x80",
}

// wantString is s as decoding its encoding gives it back: each byte that is
// not part of valid UTF-8 becomes U+FFFD.
func wantString(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r)
		i += n
	}
	return b.String()
}

// TestStringsAsEncodingJSON checks the string escaping against
// encoding/json without HTML escaping, byte for byte.
func TestStringsAsEncodingJSON(t *testing.T) {
	for _, s := range awkward {
		got := jsonl.AppendTruth(nil, jsonl.TruthRow{Tag: s, Level: s, Room: "r"})
		q := stdString(t, s)
		if wantLine := `{"ts":0,"tag":` + string(q) + `,"level":` + string(q) + `,"x":0,"y":0,"room":"r"}`; string(got) != wantLine {
			t.Errorf("%q encoded\n %s\nwant\n %s", s, got, wantLine)
		}
	}
}

func TestPositionBytes(t *testing.T) {
	tests := []struct {
		p    location.Position
		want string
	}{
		{location.Position{TS: 1763719201000, Tag: "PUMP-008", Level: "L0", X: 21.4, Y: 4.9, AccuracyM: 1.8, Room: "L0-S03", RoomProb: 0.93},
			`{"ts":1763719201000,"tag":"PUMP-008","level":"L0","x":21.4,"y":4.9,"accuracy_m":1.8,"room":"L0-S03","room_prob":0.93}`},
		{location.Position{TS: 5, Tag: "T\a", Level: "L0", X: -0.5, Y: 1e21, AccuracyM: math.NaN(), RoomProb: 1},
			`{"ts":5,"tag":"T\u0007","level":"L0","x":-0.5,"y":1000000000000000000000,"accuracy_m":null,"room":null,"room_prob":1}`},
	}
	for _, tt := range tests {
		if got := string(jsonl.AppendPosition(nil, tt.p)); got != tt.want {
			t.Errorf("encoded\n %s\nwant\n %s", got, tt.want)
		}
	}
}

func TestSightingBytes(t *testing.T) {
	tests := []struct {
		s    location.Sighting
		want string
	}{
		{location.Sighting{TS: 1763719200100, Reader: "R-L0-S02", Tag: "PUMP-008", RSSI: -87},
			`{"ts":1763719200100,"reader":"R-L0-S02","tag":"PUMP-008","rssi":-87}`},
		{location.Sighting{TS: 1, Reader: "R", Tag: "\"", RSSI: -60.25, Seq: 7},
			`{"ts":1,"reader":"R","tag":"\"","rssi":-60.25,"seq":7}`},
	}
	for _, tt := range tests {
		if got := string(jsonl.AppendSighting(nil, tt.s)); got != tt.want {
			t.Errorf("encoded\n %s\nwant\n %s", got, tt.want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		line string
		err  func([]byte) error
	}{
		{"sighting not json", `{"ts":1,`, parseErr(jsonl.ParseSighting)},
		{"sighting without rssi", `{"ts":1,"reader":"R","tag":"T"}`, parseErr(jsonl.ParseSighting)},
		{"sighting with empty tag", `{"ts":1,"reader":"R","tag":"","rssi":-1}`, parseErr(jsonl.ParseSighting)},
		{"sighting with string ts", `{"ts":"1","reader":"R","tag":"T","rssi":-1}`, parseErr(jsonl.ParseSighting)},
		{"position without level", `{"ts":1,"tag":"T","x":1,"y":2}`, parseErr(jsonl.ParsePosition)},
		{"position with null x", `{"ts":1,"tag":"T","level":"L0","x":null,"y":2}`, parseErr(jsonl.ParsePosition)},
		{"position array", `[1]`, parseErr(jsonl.ParsePosition)},
		{"truth without y", `{"ts":1,"tag":"T","level":"L0","x":1}`, parseErr(jsonl.ParseTruth)},
		{"truth null", `null`, parseErr(jsonl.ParseTruth)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.err([]byte(tt.line)); !errors.Is(err, jsonl.ErrBadLine) {
				t.Errorf("error %v, want ErrBadLine", err)
			}
		})
	}
}

func parseErr[T any](parse func([]byte) (T, error)) func([]byte) error {
	return func(b []byte) error {
		_, err := parse(b)
		return err
	}
}

func TestParseOptional(t *testing.T) {
	p, err := jsonl.ParsePosition([]byte(` {"extra":{"a":[1,"x"]},"room_prob":null,"y":2,"x":1,"level":"","tag":"T","ts":3} `))
	if err != nil {
		t.Fatal(err)
	}
	if want := (location.Position{TS: 3, Tag: "T", X: 1, Y: 2}); !math.IsNaN(p.AccuracyM) || p.TS != want.TS || p.Tag != want.Tag ||
		p.X != want.X || p.Y != want.Y || p.Room != "" || p.RoomProb != 0 {
		t.Errorf("got %+v", p)
	}
	s, err := jsonl.ParseSighting([]byte(`{"ts":1,"reader":"R","tag":"T","rssi":-70,"antenna":2,"button":true,"battery":80}`))
	if err != nil || s != (location.Sighting{TS: 1, Reader: "R", Tag: "T", RSSI: -70}) {
		t.Errorf("got %+v, %v", s, err)
	}
}

func TestReadLineNumbers(t *testing.T) {
	in := `{"ts":1,"tag":"a","level":"L0","x":1,"y":2}` + "\n\n  \r\n" + `{"ts":2,"tag":"a","level":"L0","x":1,"y":2,"room":"A"}` + "\r\n{oops\n"
	var got []jsonl.TruthRow
	err := jsonl.ReadTruth(strings.NewReader(in), func(r jsonl.TruthRow) error {
		got = append(got, r)
		return nil
	})
	if !errors.Is(err, jsonl.ErrBadLine) || !strings.Contains(err.Error(), "line 5:") {
		t.Errorf("error %v, want ErrBadLine on line 5", err)
	}
	if len(got) != 2 || got[1].Room != "A" || got[1].TS != 2 {
		t.Errorf("rows %+v", got)
	}
	stop := errors.New("stop")
	if err := jsonl.ReadPositions(strings.NewReader(`{"ts":1,"tag":"a","level":"L0","x":1,"y":2}`), func(location.Position) error { return stop }); err != stop {
		t.Errorf("error %v, want fn's error", err)
	}
}

func TestParsePositions(t *testing.T) {
	a := location.Position{TS: 1, Tag: "a", Level: "L0", X: 1, Y: 2, AccuracyM: 3, Room: "R", RoomProb: 0.5}
	b := location.Position{TS: 2, Tag: "b\n", Level: "L1", AccuracyM: 1}
	data := append(append(append(jsonl.AppendPosition([]byte("["), a), ','), jsonl.AppendPosition(nil, b)...), ']')
	ps, err := jsonl.ParsePositions(data)
	if err != nil || len(ps) != 2 || ps[0] != a || ps[1] != b {
		t.Errorf("got %+v, %v", ps, err)
	}
	if _, err := jsonl.ParsePositions([]byte(`[{"ts":1}]`)); !errors.Is(err, jsonl.ErrBadLine) {
		t.Errorf("error %v, want ErrBadLine", err)
	}
}

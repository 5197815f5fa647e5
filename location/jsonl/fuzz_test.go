package jsonl_test

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/jsonl"
)

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// orNaN and orZero are what a non-finite number (written as null) decodes to.
func orNaN(f float64) float64 {
	if finite(f) {
		return f
	}
	return math.NaN()
}

func orZero(f float64) float64 {
	if finite(f) {
		return f
	}
	return 0
}

func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

func FuzzSighting(f *testing.F) {
	f.Add(int64(1763719200100), "R-L0-S02", "PUMP-008", -87.0, uint64(0))
	f.Add(int64(-1), "\a", "\"\\\x00\u2028\xff", 1e-300, uint64(math.MaxUint64))
	f.Fuzz(func(t *testing.T, ts int64, reader, tag string, rssi float64, seq uint64) {
		s := location.Sighting{TS: ts, Reader: reader, Tag: tag, RSSI: rssi, Seq: seq}
		line := jsonl.AppendSighting(nil, s)
		if !json.Valid(line) {
			t.Fatalf("invalid JSON %s", line)
		}
		got, err := jsonl.ParseSighting(line)
		if reader == "" || tag == "" || !finite(rssi) {
			if err == nil {
				t.Fatalf("%s parsed without a reader, tag or finite rssi", line)
			}
			return
		}
		want := location.Sighting{TS: ts, Reader: wantString(reader), Tag: wantString(tag), RSSI: rssi, Seq: seq}
		if err != nil || got != want {
			t.Fatalf("%s parsed as %+v, %v; want %+v", line, got, err, want)
		}
	})
}

func FuzzPosition(f *testing.F) {
	f.Add(int64(1763719201000), "PUMP-008", "L0", "L0-S03", 21.4, 4.9, 1.8, 0.93)
	f.Add(int64(0), "\"\\\n\a", "", "", -0.0, 5e-324, math.Inf(1), math.NaN())
	f.Fuzz(func(t *testing.T, ts int64, tag, level, room string, x, y, acc, prob float64) {
		p := location.Position{TS: ts, Tag: tag, Level: level, X: x, Y: y, AccuracyM: acc, Room: room, RoomProb: prob}
		line := jsonl.AppendPosition(nil, p)
		if !json.Valid(line) {
			t.Fatalf("invalid JSON %s", line)
		}
		got, err := jsonl.ParsePosition(line)
		if tag == "" || !finite(x) || !finite(y) {
			if err == nil {
				t.Fatalf("%s parsed without a tag or finite x, y", line)
			}
			return
		}
		if err != nil || got.TS != ts || got.Tag != wantString(tag) || got.Level != wantString(level) || got.X != x || got.Y != y ||
			!sameFloat(got.AccuracyM, orNaN(acc)) || got.Room != wantString(room) || got.RoomProb != orZero(prob) {
			t.Fatalf("%s parsed as %+v, %v; want %+v", line, got, err, p)
		}
	})
}

func FuzzTruth(f *testing.F) {
	f.Add(int64(1763719200000), "STAFF-000", "L0", "L0-N06", 40.54, 21.73)
	f.Add(int64(math.MinInt64), "\x7f\u2029", "\x01", "\xc3", 1e21, -1e-7)
	f.Fuzz(func(t *testing.T, ts int64, tag, level, room string, x, y float64) {
		r := jsonl.TruthRow{TS: ts, Tag: tag, Level: level, X: x, Y: y, Room: room}
		line := jsonl.AppendTruth(nil, r)
		if !json.Valid(line) {
			t.Fatalf("invalid JSON %s", line)
		}
		got, err := jsonl.ParseTruth(line)
		if tag == "" || !finite(x) || !finite(y) {
			if err == nil {
				t.Fatalf("%s parsed without a tag or finite x, y", line)
			}
			return
		}
		if q := stdString(t, tag); !bytes.HasPrefix(line[bytes.Index(line, []byte(`"tag":`))+6:], q) {
			t.Fatalf("%s: tag not as encoding/json writes it: %s", line, q)
		}
		want := jsonl.TruthRow{TS: ts, Tag: wantString(tag), Level: wantString(level), X: x, Y: y, Room: wantString(room)}
		if err != nil || got != want {
			t.Fatalf("%s parsed as %+v, %v; want %+v", line, got, err, want)
		}
	})
}

// FuzzParse feeds arbitrary bytes, real lines and pieces of them to every
// parser: none may panic, and whatever parses encodes to valid JSON that
// parses back to the same value.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"ts":1763719200100,"reader":"R-L0-S02","tag":"PUMP-008","rssi":-87}`,
		`{"ts":1763719201000,"tag":"PUMP-008","level":"L0","x":21.4,"y":4.9,"accuracy_m":1.8,"room":"L0-S03","room_prob":0.93}`,
		`{"ts":1763719200000,"tag":"STAFF-000","level":"L0","x":40.54,"y":21.73,"room":null}`,
		`{"ts":1,"reader":"R","tag":"\u0007\ud83c\udfe5\"","rssi":-1e2,"seq":3,"button":true}`,
		`[{"ts":1,"tag":"a","level":"L0","x":1,"y":2}]`,
	} {
		f.Add([]byte(s))
		f.Add([]byte(s[:len(s)/2]))
		f.Add([]byte(s[len(s)/3:]))
	}
	for _, s := range []string{
		`{"ts":-0,"reader":"R","tag":"T","rssi":-0.0e-0,"seq":0}`,
		`{"ts":01,"reader":"R","tag":"T","rssi":-1}`,
		`{"ts":1,"reader":"R","tag":"T","rssi":1e400}`,
		`{"ts":1,"reader":"R","tag":"T","rssi":-1,"seq":-1}`,
		`{"ts":1,"reader":"R","tag":"T","rssi":-1,"seq":18446744073709551616}`,
		`{"ts":1,"reader":"R","tag":"T","rssi":-1} `,
		`{"ts":-999999999999999999,"reader":"R","tag":"T","rssi":-999999999999999}`,
		`{"ts":9223372036854775807,"reader":"R","tag":"T","rssi":9007199254740993}`,
		`{"ts":-9223372036854775809,"reader":"R","tag":"T","rssi":-9007199254740993}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, fastErr := jsonl.ParseSighting(data)
		slow, slowErr := jsonl.ParseSightingJSON(data)
		if (fastErr == nil) != (slowErr == nil) || fast != slow {
			t.Fatalf("%q: ParseSighting %+v, %v; encoding/json %+v, %v", data, fast, fastErr, slow, slowErr)
		}
		if s, err := jsonl.ParseSighting(data); err == nil {
			line := jsonl.AppendSighting(nil, s)
			if got, err := jsonl.ParseSighting(line); !json.Valid(line) || err != nil || got != s {
				t.Fatalf("sighting %+v: %s parsed as %+v, %v", s, line, got, err)
			}
		}
		if p, err := jsonl.ParsePosition(data); err == nil {
			line := jsonl.AppendPosition(nil, p)
			got, err := jsonl.ParsePosition(line)
			if !json.Valid(line) || err != nil || !bytes.Equal(jsonl.AppendPosition(nil, got), line) {
				t.Fatalf("position %+v: %s parsed as %+v, %v", p, line, got, err)
			}
		}
		if r, err := jsonl.ParseTruth(data); err == nil {
			line := jsonl.AppendTruth(nil, r)
			if got, err := jsonl.ParseTruth(line); !json.Valid(line) || err != nil || got != r {
				t.Fatalf("truth %+v: %s parsed as %+v, %v", r, line, got, err)
			}
		}
		_, _ = jsonl.ParsePositions(data)
	})
}

// stdString is s as encoding/json writes it without HTML escaping.
func stdString(t *testing.T, s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

package jsonl_test

import (
	"bytes"
	"testing"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/jsonl"
)

func BenchmarkAppendPosition(b *testing.B) {
	for _, bc := range []struct {
		name string
		tag  string
	}{{"tag=plain", "STAFF-007"}, {"tag=escaped", "STAFF\a\"007\u2028ü"}} {
		b.Run(bc.name, func(b *testing.B) {
			p := location.Position{TS: 1763719201000, Tag: bc.tag, Level: "L0", X: 14.04, Y: 2.06, AccuracyM: 2.95, Room: "L0-S02", RoomProb: 0.99}
			b.ReportAllocs()
			var buf []byte
			for b.Loop() {
				buf = jsonl.AppendPosition(buf[:0], p)
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}

// BenchmarkReadSightings reads plain lines (the parser without
// reflection) and lines with an escaped tag id (encoding/json, the only
// path before).
func BenchmarkReadSightings(b *testing.B) {
	for _, bc := range []struct{ name, line string }{
		{"ids=plain/lines=1000", `{"ts":1763719200400,"reader":"P-L0-S00","tag":"PUMP-002","rssi":-50}`},
		{"ids=escaped/lines=1000", `{"ts":1763719200400,"reader":"P-L0-S00","tag":"PUMP\u0007002","rssi":-50}`},
	} {
		in := bytes.Repeat([]byte(bc.line+"\n"), 1000)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if err := jsonl.ReadSightings(bytes.NewReader(in), func(location.Sighting) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

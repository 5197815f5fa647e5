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

func BenchmarkReadSightings(b *testing.B) {
	line := []byte(`{"ts":1763719200400,"reader":"P-L0-S00","tag":"PUMP-002","rssi":-50}` + "\n")
	in := bytes.Repeat(line, 1000)
	b.Run("lines=1000", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(in)))
		for b.Loop() {
			if err := jsonl.ReadSightings(bytes.NewReader(in), func(location.Sighting) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}
	})
}

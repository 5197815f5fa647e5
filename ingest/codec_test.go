package ingest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/hospitalrtls/rtls/location"
)

// batchOf returns a batch of n sightings as the readers post them.
func batchOf(n int) []location.Sighting {
	ss := make([]location.Sighting, n)
	for i := range ss {
		ss[i] = location.Sighting{TS: 1_700_000_000_000 + int64(i%7), Reader: "R-L0-S03", Tag: fmt.Sprintf("LOAD-a17d23-S%06d", i),
			RSSI: -61.5 - float64(i%20), Seq: uint64(i)}
	}
	return ss
}

// BenchmarkLogCodec: encoding a batch for the ingest log (front) and
// decoding it (consumer), per batch of 150 sightings.
func BenchmarkLogCodec(b *testing.B) {
	ss := batchOf(150)
	data, err := encode(ss)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encode/sightings=150", func(b *testing.B) {
		for b.Loop() {
			if _, err := encode(ss); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode/sightings=150", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := decode(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestLogCodec: a batch survives the log's encoding whole (several
// readers, batteries, buttons); an entry an older rtlsd logged as JSON
// still decodes; a corrupt entry is ErrCorrupt.
func TestLogCodec(t *testing.T) {
	ss := batchOf(5)
	ss[1].Reader, ss[2].Button, ss[3].Battery, ss[3].HasBattery = "R-L1-S01", true, 42, true
	data, err := encode(ss)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decode(data)
	if err != nil || !slices.Equal(got, ss) {
		t.Fatalf("decode(encode(batch)) = %v, %v; want %v", got, err, ss)
	}
	old := `[{"t":1700000000000,"r":"R-L0-S03","g":"PUMP-1","s":-61.5,"q":7},{"t":1700000000001,"r":"R-L0-S03","g":"PUMP-2","s":-70,"p":42,"h":true}]`
	got, err = decode([]byte(old))
	want := []location.Sighting{{TS: 1700000000000, Reader: "R-L0-S03", Tag: "PUMP-1", RSSI: -61.5, Seq: 7},
		{TS: 1700000000001, Reader: "R-L0-S03", Tag: "PUMP-2", RSSI: -70, Battery: 42, HasBattery: true}}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("decode(JSON entry) = %v, %v; want %v", got, err, want)
	}
	bad, err := cbor.Marshal(entry{Readers: []string{"R1"}, Sightings: []row{{TS: 1, Reader: 1, Tag: "T"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, data := range [][]byte{bad, []byte("[{"), {0xff}, data[:len(data)/2]} {
		if _, err := decode(data); !errors.Is(err, ErrCorrupt) {
			t.Errorf("decode(%x) = %v; want ErrCorrupt", data, err)
		}
	}
}

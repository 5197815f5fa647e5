package rfid

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// sampleBatch is a good batch of n sightings stamped around now.
func sampleBatch(reader string, seq uint64, n int, now time.Time) Batch {
	b := Batch{Reader: reader, Seq: seq, Sightings: make([]WireSighting, n)}
	for i := range b.Sightings {
		b.Sightings[i] = WireSighting{
			TS:   now.UnixMilli() - int64(100*i),
			Tag:  fmt.Sprintf("PUMP-%03d", i),
			RSSI: -40 - float64(i%70),
		}
	}
	return b
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json: %v", err)
	}
	return b
}

func mustCBOR(t testing.TB, v any) []byte {
	t.Helper()
	b, err := cbor.Marshal(v)
	if err != nil {
		t.Fatalf("cbor: %v", err)
	}
	return b
}

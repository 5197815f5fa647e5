package rfid

import (
	"testing"
	"time"
)

// BenchmarkDecode measures the cost of decoding one batch body.
func BenchmarkDecode(b *testing.B) {
	now := time.Unix(1_763_719_200, 0)
	d := newDecoder(DefaultMaxSightings)
	for _, n := range []int{1, 10, 100} {
		batch := sampleBatch("R-L0-S03", 17, n, now)
		formats := []struct {
			name   string
			body   []byte
			decode func([]byte) (Batch, error)
		}{
			{formatJSON, mustJSON(b, batch), d.decodeJSON},
			{formatCBOR, mustCBOR(b, batch), d.decodeCBOR},
		}
		for _, f := range formats {
			b.Run("format="+f.name+"/sightings="+itoa(int64(n)), func(b *testing.B) {
				b.SetBytes(int64(len(f.body)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := f.decode(f.body); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

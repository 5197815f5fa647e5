package walk

import (
	"slices"

	"github.com/hospitalrtls/rtls/rfid"
)

// MaxPerBatch is the most sightings Batcher puts in one batch, well below
// the reader front's limits (1024 sightings, 32 KiB).
const MaxPerBatch = 300

// Placed is one tag at one step.
type Placed struct {
	Tag  string
	Step Step
}

// Batcher turns the places of tags during one second into one batch per
// reader that hears any of them, numbering each reader's batches.
type Batcher struct {
	radio *Radio
	seq   map[string]uint64 // guarded by the caller: not safe for concurrent use
}

// NewBatcher returns a Batcher over a radio model.
func NewBatcher(r *Radio) *Batcher { return &Batcher{radio: r, seq: map[string]uint64{}} }

// Batches returns the batches of one second: every reading of every tag,
// stamped ts (epoch ms), grouped by reader in reader order; a reader with
// more than MaxPerBatch sightings sends several batches.
func (b *Batcher) Batches(ts int64, tags []Placed) []rfid.Batch {
	byReader := map[string][]rfid.WireSighting{}
	for _, t := range tags {
		for _, r := range b.radio.Hear(t.Step) {
			byReader[r.Reader] = append(byReader[r.Reader], rfid.WireSighting{TS: ts, Tag: t.Tag, RSSI: r.RSSI})
		}
	}
	readers := make([]string, 0, len(byReader))
	for r := range byReader {
		readers = append(readers, r)
	}
	slices.Sort(readers)
	var out []rfid.Batch
	for _, r := range readers {
		for chunk := range slices.Chunk(byReader[r], MaxPerBatch) {
			b.seq[r]++
			out = append(out, rfid.Batch{Reader: r, Seq: b.seq[r], Sightings: chunk})
		}
	}
	return out
}

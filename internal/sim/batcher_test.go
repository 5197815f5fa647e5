package sim

import (
	"fmt"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/location"
)

func sightings(reader string, n int, ts int64) []location.Sighting {
	out := make([]location.Sighting, n)
	for i := range out {
		out[i] = location.Sighting{TS: ts + int64(i), Reader: reader, Tag: fmt.Sprintf("T%d", i), RSSI: -70}
	}
	return out
}

func TestBatcherSplitsAndCounts(t *testing.T) {
	b := NewBatcher(BatchConfig{Interval: time.Second, MaxSightings: 4})
	const now = 1_000_000
	b.Add(now, sightings("R-A", 10, now))
	b.Add(now, sightings("R-B", 3, now))
	if got := b.Flush(now); len(got) != 0 {
		t.Fatalf("flush at add time: %d batches, want 0", len(got))
	}
	got := b.Flush(now + 1000)
	seqs := map[string][]uint64{}
	sizes := map[string][]int{}
	for _, bt := range got {
		seqs[bt.Reader] = append(seqs[bt.Reader], bt.Seq)
		sizes[bt.Reader] = append(sizes[bt.Reader], len(bt.Sightings))
	}
	for _, c := range []struct {
		reader string
		seqs   string
		sizes  string
	}{
		{"R-A", "[1 2 3]", "[4 4 2]"},
		{"R-B", "[1]", "[3]"},
	} {
		t.Run(c.reader, func(t *testing.T) {
			if s := fmt.Sprint(seqs[c.reader]); s != c.seqs {
				t.Errorf("seqs %s, want %s", s, c.seqs)
			}
			if s := fmt.Sprint(sizes[c.reader]); s != c.sizes {
				t.Errorf("sizes %s, want %s", s, c.sizes)
			}
		})
	}
	if got := b.Flush(now + 1000); len(got) != 0 {
		t.Errorf("second flush: %d batches, want 0", len(got))
	}
	b.Add(now+1500, sightings("R-A", 1, now+1500))
	got = b.Flush(now + 2000)
	if len(got) != 1 || got[0].Seq != 4 {
		t.Errorf("next interval: %+v, want one batch with seq 4", got)
	}
}

func TestBatcherSendsOncePerInterval(t *testing.T) {
	b := NewBatcher(BatchConfig{Interval: time.Second})
	const start = 5_000_000
	sent := 0
	for ms := int64(start); ms < start+10_000; ms += 100 {
		b.Add(ms, sightings("R-A", 1, ms))
		sent += len(b.Flush(ms))
	}
	if sent < 9 || sent > 10 {
		t.Errorf("%d batches in 10 s, want one a second", sent)
	}
	if rest := b.FlushAll(); len(rest) != 1 {
		t.Errorf("FlushAll: %d batches, want 1", len(rest))
	}
}

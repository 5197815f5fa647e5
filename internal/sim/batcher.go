package sim

import (
	"cmp"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/rfid"
)

// BatchConfig says how readers group sightings into wire batches.
type BatchConfig struct {
	// Interval is how often each reader sends what it heard (default 1 s);
	// readers are spread over the interval by a hash of their id.
	Interval time.Duration
	// MaxSightings splits larger batches (default 16: a JSON batch then
	// stays under 1 KiB, one datagram on any network).
	MaxSightings int
	// ReorderFraction of batches have their sightings shuffled (default
	// 0.05), as a gateway that sorts by tag or queue would.
	ReorderFraction float64
	// Seed drives the shuffles.
	Seed uint64
}

// DefaultBatchConfig returns the defaults above.
func DefaultBatchConfig(seed uint64) BatchConfig {
	return BatchConfig{Interval: time.Second, MaxSightings: 16, ReorderFraction: 0.05, Seed: seed}
}

// Batcher collects each reader's sightings and hands them out as
// rfid.Batch once per interval, with a sequence number per reader that
// counts batches from 1. It is not safe for concurrent use.
type Batcher struct {
	cfg      BatchConfig
	rng      *rand.Rand
	outboxes map[string]*outbox
	due      []*outbox // scratch
}

type outbox struct {
	reader string
	next   int64 // epoch ms of the next send
	seq    uint64
	buf    []rfid.WireSighting
}

// NewBatcher returns a Batcher. A zero Interval or MaxSightings takes the
// default; a zero ReorderFraction means no shuffling.
func NewBatcher(cfg BatchConfig) *Batcher {
	d := DefaultBatchConfig(cfg.Seed)
	if cfg.Interval <= 0 {
		cfg.Interval = d.Interval
	}
	if cfg.MaxSightings <= 0 {
		cfg.MaxSightings = d.MaxSightings
	}
	cfg.ReorderFraction = min(max(cfg.ReorderFraction, 0), 1)
	return &Batcher{
		cfg:      cfg,
		rng:      rand.New(rand.NewPCG(cfg.Seed^saltBatching, 0)),
		outboxes: map[string]*outbox{},
	}
}

// Add queues sightings that arrived at their readers' outboxes at nowMS
// (epoch ms).
func (b *Batcher) Add(nowMS int64, ss []location.Sighting) {
	for _, s := range ss {
		o := b.outboxes[s.Reader]
		if o == nil {
			o = &outbox{reader: s.Reader, next: b.firstSend(s.Reader, nowMS)}
			b.outboxes[s.Reader] = o
		}
		o.buf = append(o.buf, rfid.WireSighting{TS: s.TS, Tag: s.Tag, RSSI: s.RSSI})
	}
}

// firstSend returns the first send time after now in the reader's phase.
func (b *Batcher) firstSend(reader string, now int64) int64 {
	iv := b.cfg.Interval.Milliseconds()
	h := fnv.New32a()
	h.Write([]byte(reader))
	phase := int64(h.Sum32()) % max(iv, 1)
	next := now - now%max(iv, 1) + phase
	for next <= now {
		next += iv
	}
	return next
}

// Flush returns the batches due by nowMS (epoch ms), ordered by send time
// and reader id, split at MaxSightings.
func (b *Batcher) Flush(nowMS int64) []rfid.Batch {
	b.due = b.due[:0]
	for _, o := range b.outboxes {
		if o.next <= nowMS {
			b.due = append(b.due, o)
		}
	}
	return b.send(nowMS)
}

// FlushAll returns every pending batch, due or not.
func (b *Batcher) FlushAll() []rfid.Batch {
	b.due = b.due[:0]
	var last int64
	for _, o := range b.outboxes {
		b.due = append(b.due, o)
		last = max(last, o.next)
	}
	return b.send(last)
}

// send empties the due outboxes into batches.
func (b *Batcher) send(nowMS int64) []rfid.Batch {
	slices.SortFunc(b.due, func(x, y *outbox) int {
		if c := cmp.Compare(x.next, y.next); c != 0 {
			return c
		}
		return cmp.Compare(x.reader, y.reader)
	})
	var out []rfid.Batch
	iv := max(b.cfg.Interval.Milliseconds(), 1)
	for _, o := range b.due {
		for i := 0; i < len(o.buf); i += b.cfg.MaxSightings {
			o.seq++
			chunk := slices.Clone(o.buf[i:min(i+b.cfg.MaxSightings, len(o.buf))])
			if b.rng.Float64() < b.cfg.ReorderFraction {
				b.rng.Shuffle(len(chunk), func(i, j int) { chunk[i], chunk[j] = chunk[j], chunk[i] })
			}
			out = append(out, rfid.Batch{Reader: o.reader, Seq: o.seq, Sightings: chunk})
		}
		o.buf = o.buf[:0]
		for o.next <= nowMS {
			o.next += iv
		}
	}
	return out
}

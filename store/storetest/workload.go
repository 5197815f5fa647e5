package storetest

import (
	"fmt"
	"math/rand/v2"

	"github.com/hospitalrtls/rtls/location"
)

// Workload makes reproducible batches of positions for benchmarks: a fixed
// set of tags spread over rooms on levels, where each new position of a tag
// stays in its room, except for a tenth that move to another room.
type Workload struct {
	rng    *rand.Rand
	tags   []location.Position // current position of each tag
	rooms  int
	levels int
	ts     int64
}

// NewWorkload returns a workload of n tags over rooms rooms on levels
// levels, seeded with seed.
func NewWorkload(seed uint64, n, rooms, levels int) *Workload {
	w := &Workload{rng: rand.New(rand.NewPCG(seed, seed)), rooms: rooms, levels: levels, ts: 1_763_719_200_000}
	w.tags = make([]location.Position, n)
	for i := range w.tags {
		w.tags[i] = w.place(location.Position{Tag: fmt.Sprintf("TAG-%06d", i)})
	}
	return w
}

// All returns the current position of every tag (to load a store first).
func (w *Workload) All() []location.Position {
	return append([]location.Position(nil), w.tags...)
}

// Batch returns positions of n randomly chosen tags, one event-time tick
// later than the previous batch.
func (w *Workload) Batch(n int) []location.Position {
	w.ts += 1000
	out := make([]location.Position, n)
	for i := range out {
		k := w.rng.IntN(len(w.tags))
		p := w.tags[k]
		if w.rng.IntN(10) == 0 {
			p = w.place(p)
		}
		p.TS = w.ts
		p.X += w.rng.NormFloat64() * 0.3
		p.Y += w.rng.NormFloat64() * 0.3
		w.tags[k] = p
		out[i] = p
	}
	return out
}

// place puts p in a random room.
func (w *Workload) place(p location.Position) location.Position {
	room := w.rng.IntN(w.rooms)
	p.Level = fmt.Sprintf("L%d", room%w.levels)
	p.Room = fmt.Sprintf("%s-R%03d", p.Level, room)
	p.X, p.Y = w.rng.Float64()*100, w.rng.Float64()*50
	p.AccuracyM, p.RoomProb = 1+w.rng.Float64()*2, 0.5+w.rng.Float64()/2
	p.TS = w.ts
	return p
}

package location

import (
	"cmp"
	"math"
	"slices"
)

// Explanation is the evidence behind a tag's current position: what the
// readers heard in the epoch it was computed from, what the radio model
// expects each of them to hear there, and the engine's belief over rooms
// and levels.
type Explanation struct {
	Position Position
	// Readers are the ranging readers heard in the epoch, strongest first.
	Readers []ReaderEvidence
	// Rooms are the most likely rooms, most likely first (at most
	// MaxExplainedRooms); "" is "in no room". Their probabilities sum to at
	// most 1.
	Rooms []Belief
	// Levels are the levels with their probabilities, most likely first.
	Levels []Belief
	// Silent are the ranging readers near the estimate that did not hear
	// the tag though the model expects them to (negative evidence), by id.
	Silent []string
}

// ReaderEvidence is what one heard reader contributed.
type ReaderEvidence struct {
	Reader string
	Level  string
	// RSSI is the mean RSSI of the reader's sightings in the epoch (dBm).
	RSSI float64
	// ExpectedRSSI is what the radio model expects at the estimate, with
	// the reader's learned offset, walls and floors (dBm).
	ExpectedRSSI float64
	// DistanceM is the straight-line (3-D) distance to the estimate.
	DistanceM float64
	// Walls is the number of walls between the reader and the estimate.
	Walls int
}

// Belief is a probability that the tag is in a room or on a level.
type Belief struct {
	ID   string
	Prob float64
}

// MaxExplainedRooms bounds Explanation.Rooms.
const MaxExplainedRooms = 5

// Explain returns the evidence behind the current position of tag, false
// when the engine tracks no position of it. It reads the engine: call it
// from the goroutine that owns the engine.
func (e *Engine) Explain(tag string) (Explanation, bool) {
	t := e.tags[tag]
	if t != nil {
		e.settle(t)
	}
	if t == nil || !t.hasEst {
		return Explanation{}, false
	}
	x := Explanation{Position: t.pos}
	for _, o := range t.heard {
		x.Readers = append(x.Readers, e.evidence(t, o))
	}
	slices.SortStableFunc(x.Readers, func(a, b ReaderEvidence) int {
		return cmp.Or(cmp.Compare(b.RSSI, a.RSSI), cmp.Compare(a.Reader, b.Reader))
	})
	x.Rooms, x.Levels = t.beliefs(e)
	for _, ri := range e.site.levels[t.level].readers {
		if _, ok := t.silentTerm(e, ri, t.heard); ok {
			x.Silent = append(x.Silent, e.site.readers[ri].id)
		}
	}
	slices.Sort(x.Silent)
	return x, true
}

// evidence is the model's view of one heard reader at the tag's estimate,
// computed as the particle weights compute it (weigh).
func (e *Engine) evidence(t *tracker, o obs) ReaderEvidence {
	cfg := &e.cfg
	s := e.site
	r := &s.readers[o.reader]
	term := e.term(o.reader, t.last)
	dx, dy, dz := t.estX-r.x, t.estY-r.y, s.levels[t.level].elev+cfg.TagHeightM-r.z
	d2 := max(dx*dx+dy*dy+dz*dz, 0.09)
	mu := term.a - term.n5*math.Log10(d2)
	walls := 0
	if r.room >= 0 {
		walls = r.wallsBetween(t.level, t.estX, t.estY, t.room)
		mu -= term.wl[walls]
	}
	if r.level != t.level {
		mu -= cfg.FloorLossDB * math.Abs(float64(s.levels[r.level].ordinal-s.levels[t.level].ordinal))
	}
	return ReaderEvidence{Reader: r.id, Level: s.levels[r.level].id, RSSI: round2(o.rssi), ExpectedRSSI: round2(mu),
		DistanceM: round2(math.Sqrt(d2)), Walls: walls}
}

// beliefs sums the particle weights by room and by level.
func (t *tracker) beliefs(e *Engine) (rooms, levels []Belief) {
	s := e.site
	byRoom := map[int]float64{}
	byLevel := make([]float64, len(s.levels))
	total := 0.0
	ps := t.unpack(s, make([]particle, len(t.st)))
	for i := range ps {
		p := &ps[i]
		w := float64(p.w)
		byRoom[int(p.room)] += w
		byLevel[p.level] += w
		total += w
	}
	if !(total > 0) {
		return nil, nil
	}
	for ri, w := range byRoom {
		id := ""
		if ri >= 0 {
			id = s.rooms[ri].id
		}
		rooms = append(rooms, Belief{ID: id, Prob: w / total})
	}
	for li, w := range byLevel {
		if w > 0 {
			levels = append(levels, Belief{ID: s.levels[li].id, Prob: w / total})
		}
	}
	byProb := func(a, b Belief) int { return cmp.Or(cmp.Compare(b.Prob, a.Prob), cmp.Compare(a.ID, b.ID)) }
	slices.SortFunc(rooms, byProb)
	slices.SortFunc(levels, byProb)
	return rooms[:min(len(rooms), MaxExplainedRooms)], levels
}

// Current returns the last position the engine computed for tag, false
// when it tracks none (never placed, or forgotten after EvictAfterMS). The
// epochs the tag's own sightings have closed are computed first (settle).
func (e *Engine) Current(tag string) (Position, bool) {
	t := e.tags[tag]
	if t != nil {
		e.settle(t)
	}
	if t == nil || !t.hasEst {
		return Position{}, false
	}
	return t.pos, true
}

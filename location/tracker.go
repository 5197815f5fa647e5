package location

import (
	"math/rand/v2"
	"slices"
)

// pending is a buffered sighting in compact form.
type pending struct {
	ts     int64
	reader int32
	rssi   float32
}

// obs is one reader's evidence about a tag in one epoch: the mean RSSI of
// its new sightings and how many there were.
type obs struct {
	reader int
	rssi   float64
	n      int
}

// particle is one hypothesis of where a tag is.
type particle struct {
	x, y   float32
	vx, vy float32 // velocity (m/s) while moving
	w      float32
	room   int16 // room index, -1 when the level has no rooms
	level  int8
	moving bool // motion mode: standing still or walking
}

// tracker is the state of one tag: a particle filter constrained to the
// map, plus the room and level it reports (with hysteresis).
type tracker struct {
	tag     string
	rng     *rand.Rand
	ps      []particle
	pending []pending
	maxTS   int64 // newest sighting accepted
	done    int64 // end of the last finalised epoch
	last    int64 // event time of the last update
	started bool
	room    int // reported room, -1 none
	level   int // reported level
	// altLevel is a level the readers have favoured since altSince.
	altLevel int
	altSince int64
	// wSlow and wFast are long and short averages of the likelihood.
	wSlow, wFast float64
}

func newTracker(tag string, cfg Config, seed uint64) *tracker {
	return &tracker{tag: tag, rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), room: -1, altLevel: -1}
}

// take removes the pending sightings up to end and aggregates them per reader.
func (t *tracker) take(end int64) []obs {
	var out []obs
	keep := t.pending[:0]
	for _, p := range t.pending {
		if p.ts > end {
			keep = append(keep, p)
			continue
		}
		i := slices.IndexFunc(out, func(o obs) bool { return o.reader == int(p.reader) })
		if i < 0 {
			out = append(out, obs{reader: int(p.reader)})
			i = len(out) - 1
		}
		out[i].rssi += float64(p.rssi)
		out[i].n++
	}
	t.pending = keep
	for i := range out {
		out[i].rssi /= float64(out[i].n)
	}
	slices.SortFunc(out, func(a, b obs) int { return a.reader - b.reader })
	return out
}

// step computes the epoch ending at end from its observations.
func (t *tracker) step(e *Engine, end int64, all []obs) (Position, bool) {
	s := e.site
	portal := -1
	ranging := all[:0:0]
	for _, o := range all {
		r := &s.readers[o.reader]
		switch {
		case r.ranging:
			ranging = append(ranging, o)
		case r.portalRoom >= 0:
			portal = r.portalRoom
		}
	}
	if len(ranging) == 0 && portal < 0 {
		return Position{}, false
	}
	if !t.started {
		if !t.seed(e, ranging, portal) {
			return Position{}, false
		}
		t.started = true
	} else {
		t.predict(e, float64(min(end-t.last, e.cfg.MaxGapMS))/1000)
	}
	t.last = end
	if portal >= 0 {
		t.confine(e, portal)
	}
	if len(ranging) > 0 {
		t.weigh(e, ranging)
		t.checkLevel(e, end, ranging)
	}
	return t.estimate(e, end, portal, ranging), true
}

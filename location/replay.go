package location

import "math"

// Replayer feeds recorded sightings, in file order, to an Engine and
// places its barriers at an event-time cadence: it drains the engine each
// time event time has moved on by an epoch since the last barrier (or
// jumped back by more than the lateness, as where a file concatenates
// recordings), so that what is learned across tags takes effect during
// the replay as it would live. Where the barriers fall depends on the
// input only, so the output does too, whatever the number of workers.
type Replayer struct {
	eng     *Engine
	mark    int64 // epoch start of the last barrier
	started bool
}

// NewReplayer returns a Replayer driving eng.
func NewReplayer(eng *Engine) *Replayer { return &Replayer{eng: eng} }

// Add adds s to the engine (Engine.Add's error is returned; rejections
// are counted in its Stats) and returns the positions of the barrier it
// triggered, if any.
func (r *Replayer) Add(s Sighting) ([]Position, error) {
	err := r.eng.Add(s)
	ep := r.eng.cfg.EpochMS
	if !r.started {
		r.mark, r.started = floorDiv(s.TS, ep)*ep, true
		return nil, err
	}
	if s.TS >= r.mark+ep || s.TS < r.mark-r.eng.cfg.LatenessMS-ep {
		r.mark = floorDiv(s.TS, ep) * ep
		return r.eng.Drain(), err
	}
	return nil, err
}

// Close finalises everything still pending (the end of the input) and
// returns the positions.
func (r *Replayer) Close() []Position { return r.eng.Flush(math.MaxInt64) }

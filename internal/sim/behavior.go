package sim

import "math"

// weights are the odds of each kind of room as a trip's destination.
type weights [numKinds]float64

var (
	staffWeights = weights{
		kindPatient: 0.45, kindICU: 0.10, kindNurse: 0.20, kindStorage: 0.06,
		kindClean: 0.06, kindSoiled: 0.05, kindCorridor: 0.05, kindOther: 0.03,
	}
	bedsideWeights = weights{kindPatient: 0.8, kindICU: 0.2}
	storageWeights = weights{kindStorage: 1}
	corridorWeight = weights{kindCorridor: 1}
)

// Asset and patient behaviour.
const (
	assetToStorage   = 0.6  // a pump leaving a patient room goes to storage
	patientStays     = 0.3  // a patient at home just moves within the room
	patientLevelFrac = 0.2  // patients change level this much less often
	assetDwellS      = 600  // mean time a pump stays put
	storageDwellS    = 900  // ... in storage
	patientDwellS    = 900  // mean time a patient stays in the room
	minDwellS        = 1.0  // no dwell is shorter
	walkJitter       = 0.15 // relative spread of walking speeds
)

// destination picks the room tg's next trip goes to.
func (s *Sim) destination(tg *tagState) (int, bool) {
	cur := tg.room
	switch tg.class {
	case ClassAsset:
		w := bedsideWeights
		if s.w.rooms[cur].kind != kindStorage && tg.rng.Float64() < assetToStorage {
			w = storageWeights
		}
		return s.pickRoom(tg, s.pickLevel(tg, s.cfg.LevelChangeProb), w)
	case ClassPatient:
		if cur != tg.home {
			return tg.home, true
		}
		if tg.rng.Float64() < patientStays {
			return cur, true
		}
		return s.pickRoom(tg, s.pickLevel(tg, s.cfg.LevelChangeProb*patientLevelFrac), corridorWeight)
	}
	return s.pickRoom(tg, s.pickLevel(tg, s.cfg.LevelChangeProb), staffWeights)
}

// pickLevel returns tg's level, or with probability p another level.
func (s *Sim) pickLevel(tg *tagState, p float64) int {
	if len(s.w.levels) < 2 || tg.rng.Float64() >= p {
		return tg.level
	}
	l := tg.rng.IntN(len(s.w.levels) - 1)
	if l >= tg.level {
		l++
	}
	return l
}

// pickRoom draws a kind by weight among those with rooms on the level that
// tg can reach, then one of those rooms; failing that, any reachable room
// of the level that is not an elevator or stairs; failing that, tg's room.
func (s *Sim) pickRoom(tg *tagState, level int, w weights) (int, bool) {
	comp := s.w.comp[tg.room]
	var avail weights
	total := 0.0
	for k := range numKinds {
		if w[k] > 0 && s.reachable(level, kind(k), comp) > 0 {
			avail[k] = w[k]
			total += w[k]
		}
	}
	if total == 0 {
		return s.anyRoom(tg, level, comp)
	}
	x := tg.rng.Float64() * total
	k := kind(0)
	for ; k < numKinds-1; k++ {
		if x < avail[k] {
			break
		}
		x -= avail[k]
	}
	for avail[k] == 0 { // float rounding at the top end
		k--
	}
	return s.nthReachable(level, k, comp, tg.rng.IntN(s.reachable(level, k, comp))), true
}

// reachable counts rooms of kind k on level in component comp.
func (s *Sim) reachable(level int, k kind, comp int) int {
	n := 0
	for _, r := range s.w.levels[level].byKind[k] {
		if s.w.comp[r] == comp {
			n++
		}
	}
	return n
}

// nthReachable returns the n-th room counted by reachable.
func (s *Sim) nthReachable(level int, k kind, comp, n int) int {
	for _, r := range s.w.levels[level].byKind[k] {
		if s.w.comp[r] == comp {
			if n == 0 {
				return r
			}
			n--
		}
	}
	return -1
}

// anyRoom picks any reachable non-connector room of the level.
func (s *Sim) anyRoom(tg *tagState, level, comp int) (int, bool) {
	var cands []int
	for _, r := range s.w.levels[level].rooms {
		if s.w.comp[r] == comp && !s.w.rooms[r].kind.connector() {
			cands = append(cands, r)
		}
	}
	if len(cands) == 0 {
		return tg.room, true
	}
	return cands[tg.rng.IntN(len(cands))], true
}

// dwell returns how long tg stays where it just arrived, seconds.
func (s *Sim) dwell(tg *tagState) float64 {
	var d float64
	switch tg.class {
	case ClassAsset:
		mean := float64(assetDwellS)
		if s.w.rooms[tg.room].kind == kindStorage {
			mean = storageDwellS
		}
		d = math.Min(tg.rng.ExpFloat64()*mean, 6*mean)
	case ClassPatient:
		if tg.room == tg.home {
			d = math.Min(120+tg.rng.ExpFloat64()*patientDwellS, 3600)
		} else {
			d = 30 + 150*tg.rng.Float64()
		}
	default:
		d = 20 + 100*tg.rng.Float64()
	}
	return math.Max(d, minDwellS)
}

// speed draws tg's walking speed for a trip, m/s.
func (s *Sim) speed(tg *tagState) float64 {
	base := 1.2
	switch tg.class {
	case ClassAsset:
		base = 1.0
	case ClassPatient:
		base = 0.7
	}
	return base * (1 + walkJitter*math.Max(-2, math.Min(2, tg.rng.NormFloat64())))
}

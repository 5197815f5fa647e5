package location

import (
	"math"

	"github.com/paulmach/orb/planar"
)

// roomBelief is a forward filter (a small hidden Markov model) over the
// rooms of the tag's level that decides the reported room. The particles'
// mass per room is its evidence each epoch; between epochs the tag stays
// in its room or moves to a room joined to it by a door (a jump to any
// other room is improbable: it stands for the particle filter recovering
// from a wrong room), and a tag whose particles stand still is expected to
// stay much longer than a walking one. Unlike a threshold on one epoch's
// mass, the filter weighs how long the evidence has favoured a room: a
// short swing of the particles towards a neighbour does not move the
// report, a lasting one does.
type roomBelief struct {
	level int       // level the belief is over
	p     []float32 // by the room's index within its level (site.roomLocal)
	last  int64     // event time of the last update
}

// Parameters of the room filter, chosen across the robustness family and
// both data sets (docs/accuracy.md).
const (
	// roomDwellMovingS and roomDwellStillS are the mean times (s) a walking
	// and a still tag stay in a room; the leaving rate mixes them by the
	// share of the weight on walking particles.
	roomDwellMovingS = 8.0
	roomDwellStillS  = 600.0
	// roomJumpShare is the share of the leaving probability that goes to
	// any room of the level (not only through a door).
	roomJumpShare = 0.05
	// roomEvidenceFloor is added to every room's particle mass, so a room
	// without particles this epoch is unlikely, not impossible.
	roomEvidenceFloor = 0.02
)

// roomTemperReaders and roomTemperSigmaDB set how much an epoch's readings
// must tell before its particle mass counts in full as room evidence: as
// much as roomTemperReaders readers on the tag's level heard with
// roomTemperSigmaDB of shadowing (roomTemper). The particles of an epoch
// heard by few readers, or in a building whose learned σ is high, swing
// between neighbouring rooms with the noise of a reading or two; counted
// in full, their swings move the reported room (room flapping). 6 dB is
// the default Config.SigmaDB. The divisor was chosen among 2, 3 and 4
// across the robustness family with engine seeds 1-4 by the members above
// 1.3x the truth's room changes and the family's summed room accuracy:
// 8, 5 and 4 member-seeds of 36 (main 17) for 0.10, 0.21 and 0.32 of it;
// 4's one member-seed fewer is within a member's seed-to-seed scatter at
// the line, its 0.11 of room accuracy is not. The form (readers of the
// tag's level only, the learned σ rather than the likelihood's, which is
// never below Config.SigmaDB) was chosen the same way at 3: one
// member-seed fewer than all readers and the likelihood's σ, for no room
// accuracy. Engine seeds 5-8, held out: 3 member-seeds (main 17) for 0.23
// (docs/accuracy.md, "Session 7").
const (
	roomTemperReaders = 3.0
	roomTemperSigmaDB = 6.0
)

// roomTemper returns the power κ in [0, 1] to which decideRoom raises the
// room evidence of a tag on level for the epoch at t with readings
// ranging: the epoch's Fisher information about the tag's place within
// its level (the readers on the level that heard it over the building's
// learned σ², Radio.SigmaDB) against that of roomTemperReaders readers at
// roomTemperSigmaDB. Readers on other levels tell the level, not the room.
// A tempered likelihood (evidence^κ) is how a Bayesian update weighs
// evidence it trusts less than its model claims. An epoch without ranging
// readings (an RFID zone's read) is not tempered.
func (e *Engine) roomTemper(ranging []obs, level int, t int64) float64 {
	if len(ranging) == 0 {
		return 1
	}
	heard := 0
	for _, o := range ranging {
		if e.site.readers[o.reader].level == level {
			heard++
		}
	}
	sigma := e.cal.radio.at(t).SigmaDB
	return math.Min(1, float64(heard)*(roomTemperSigmaDB*roomTemperSigmaDB)/(roomTemperReaders*sigma*sigma))
}

// buildRoomGraph indexes the rooms within their level, lists each
// room's neighbours through doors on the same level and sizes each room
// (roomScale).
func (s *site) buildRoomGraph() {
	s.roomLocal = make([]int, len(s.rooms))
	s.roomScale = make([]float64, len(s.rooms))
	for i := range s.rooms {
		s.roomScale[i] = math.Sqrt(math.Abs(planar.Area(s.rooms[i].ring)) / math.Pi)
	}
	for _, l := range s.levels {
		for k, ri := range l.rooms {
			s.roomLocal[ri] = k
		}
	}
	s.roomAdj = make([][]int32, len(s.rooms))
	for k := range s.doors {
		a, b := int(k[0]), int(k[1])
		if a == b || s.rooms[a].level != s.rooms[b].level {
			continue
		}
		s.roomAdj[a] = append(s.roomAdj[a], int32(s.roomLocal[b]))
		s.roomAdj[b] = append(s.roomAdj[b], int32(s.roomLocal[a]))
	}
}

// decideRoom updates the tag's room belief with this epoch's particle mass
// per room (rooms, summing to total on the tag's level) at event time now,
// with moving the share of the weight on walking particles, and returns
// the room to report: an RFID portal's room (portal, -1 when none) at
// once, else the most probable room once it holds switch/(1-switch) times
// the reported room's belief (switch = RoomSwitchProb). The evidence of
// each room (its share of the mass plus a floor) is raised to the power
// kappa (roomTemper, 1 for full evidence).
func (t *tracker) decideRoom(s *site, now int64, rooms []roomMass, total, moving, kappa, switchProb float64, portal int) int {
	b := &t.rooms
	dt := float64(now-b.last) / 1000
	b.last = now
	lv := &s.levels[t.level]
	n := len(lv.rooms)
	if n == 0 {
		return -1
	}
	if b.level != t.level || len(b.p) != n {
		b.level = t.level
		b.p = make([]float32, n)
		for i := range b.p {
			b.p[i] = 1 / float32(n)
		}
		t.room = -1
	} else if dt > 0 {
		t.predictRooms(s, dt, moving)
	}
	if portal >= 0 && s.rooms[portal].level == t.level {
		clear(b.p)
		b.p[s.roomLocal[portal]] = 1
		return portal
	}
	// evidence: each room's share of the particle mass, plus a floor
	if total > 0 && kappa < 1 {
		t.temperedEvidence(s, rooms, total, kappa)
	} else {
		t.evidence(s, rooms, total)
	}
	var sum float64
	for _, v := range b.p {
		sum += float64(v)
	}
	if !(sum > 0) || math.IsInf(sum, 0) {
		for i := range b.p {
			b.p[i] = 1
		}
		sum = float64(n)
	}
	best := 0
	for i := range b.p {
		b.p[i] = float32(float64(b.p[i]) / sum)
		if b.p[i] > b.p[best] {
			best = i
		}
	}
	if t.room < 0 || s.rooms[t.room].level != t.level {
		return lv.rooms[best]
	}
	cur := s.roomLocal[t.room]
	if best != cur && float64(b.p[best])*(1-switchProb) >= switchProb*float64(b.p[cur]) {
		return lv.rooms[best]
	}
	return t.room
}

// evidence multiplies the belief by each room's evidence in full: its
// share of the particle mass (rooms summing to total; none when 0) plus
// the floor, relative to the floor.
func (t *tracker) evidence(s *site, rooms []roomMass, total float64) {
	b := &t.rooms
	for i := range b.p {
		b.p[i] *= roomEvidenceFloor
	}
	if total <= 0 {
		return
	}
	for _, m := range rooms {
		if m.room >= 0 {
			b.p[s.roomLocal[m.room]] *= float32((m.w/total + roomEvidenceFloor) / roomEvidenceFloor)
		}
	}
}

// temperedEvidence multiplies the belief by each room's evidence (its
// share of the particle mass, rooms summing to total, plus the floor)
// raised to kappa < 1. The powers are taken relative to the largest
// evidence, exp(κ·ln(e/top)) with a non-positive exponent, by the
// package's table exp and polynomial log (their errors, below 1e-3
// relative, are far below what the evidence means); the common scale
// cancels when the belief is normalised.
func (t *tracker) temperedEvidence(s *site, rooms []roomMass, total, kappa float64) {
	b := &t.rooms
	top := 0.0
	for _, m := range rooms {
		if m.room >= 0 {
			top = math.Max(top, m.w)
		}
	}
	lnTop := math.Ln10 * log10Fast(top/total+roomEvidenceFloor)
	floor := expNeg(kappa * (math.Ln10*log10Fast(roomEvidenceFloor) - lnTop))
	for i := range b.p {
		b.p[i] *= float32(floor)
	}
	for _, m := range rooms {
		if m.room >= 0 {
			e := expNeg(kappa * (math.Ln10*log10Fast(m.w/total+roomEvidenceFloor) - lnTop))
			b.p[s.roomLocal[m.room]] *= float32(e / floor)
		}
	}
}

// predictRooms moves the belief over dt seconds: a tag leaves its room at
// a rate between a walking and a still tag's (by the share moving of the
// weight on walking particles), to the rooms joined to it by a door and,
// rarely, to any room of the level.
func (t *tracker) predictRooms(s *site, dt, moving float64) {
	b := &t.rooms
	lv := &s.levels[t.level]
	n := len(b.p)
	rate := moving/roomDwellMovingS + (1-moving)/roomDwellStillS
	leave := 1 - math.Exp(-dt*rate)
	var buf [64]float64
	next := buf[:0]
	if n > len(buf) {
		next = make([]float64, 0, n)
	}
	next = next[:n]
	var jump float64
	for i, v := range b.p {
		p := float64(v)
		adj := s.roomAdj[lv.rooms[i]]
		out := p * leave
		next[i] += p - out
		if len(adj) == 0 {
			jump += out
			continue
		}
		jump += out * roomJumpShare
		each := out * (1 - roomJumpShare) / float64(len(adj))
		for _, j := range adj {
			next[j] += each
		}
	}
	jump /= float64(n)
	for i := range b.p {
		b.p[i] = float32(next[i] + jump)
	}
}

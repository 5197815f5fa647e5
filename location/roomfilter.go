package location

import (
	"math"
	"os"
	"strconv"
)

func envf(k string, d float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(k), 64); err == nil {
		return v
	}
	return d
}

// roomBelief is a forward filter (a small hidden Markov model) over the
// rooms of the tag's level that decides the reported room. The particles'
// mass per room is its evidence each epoch; between epochs the tag stays
// in its room or moves to a room joined to it by a door (a jump to any
// other room is improbable: it stands for the particle filter recovering
// from a wrong room). A tag whose particles say it stands still is
// expected to stay longer. Unlike a threshold on one epoch's mass, the
// filter weighs how long the evidence has favoured a room: a short spike
// towards a neighbour does not move the report, a steady lean does.
type roomBelief struct {
	level int       // level the belief is over, -1 none
	p     []float32 // by the room's index within its level (site.roomLocal)
	last  int64     // event time of the last update
	// the reported position of a still tag: a slow average of the
	// estimates (steady)
	sx, sy    float64
	sRoom     int
	sLevel    int
	hasSteady bool
	sPrev     int64
}

// Parameters of the room filter (chosen across the robustness family and
// both data sets, docs/accuracy.md).
var (
	// roomDwellMovingS and roomDwellStillS are the mean times (s) a walking
	// and a still tag stay in a room.
	roomDwellMovingS = envf("roomDwellMovingS", 8.0)
	roomDwellStillS  = envf("roomDwellStillS", 600.0)
	// roomJumpShare is the share of the leaving probability that goes to
	// rooms not joined by a door (spread over all of the level's rooms).
	roomJumpShare = envf("roomJumpShare", 0.05)
	// roomEvidenceFloor is added to every room's particle mass, so a room
	// without particles is unlikely, not impossible; roomEvidencePower
	// tempers the mass (it already carries the motion model's prior).
	roomEvidenceFloor = envf("roomEvidenceFloor", 0.02)
	roomEvidencePower = envf("roomEvidencePower", 1.0)
	// roomSwitchMargin: the report moves to the most probable room only
	// when that room holds this many times the reported room's belief.
	roomDegPow             = envf("roomDegPow", 1)
	roomSwitchMarginMoving = envf("roomSwitchMarginMoving", 1.5)
	roomMovingFull         = envf("roomMovingFull", 0.3)
	roomSwitchMargin       = envf("roomSwitchMargin", 1.5)
)

// buildRoomGraph indexes the rooms within their level and lists each
// room's neighbours through doors.
func (s *site) buildRoomGraph() {
	s.roomLocal = make([]int, len(s.rooms))
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
// the room to report (portal when an RFID portal read the tag, else -1).
func (t *tracker) decideRoom(s *site, now int64, rooms []roomMass, total, moving float64, portal int) int {
	b := &t.rooms
	dt := float64(now-b.last) / 1000
	b.last = now
	lv := &s.levels[t.level]
	n := len(lv.rooms)
	if n == 0 {
		b.level = -1
		return -1
	}
	if b.level != t.level || len(b.p) != n {
		b.level = t.level
		if cap(b.p) >= n {
			b.p = b.p[:n]
		} else {
			b.p = make([]float32, n)
		}
		for i := range b.p {
			b.p[i] = 1 / float32(n)
		}
		t.room = -1
	} else if dt > 0 {
		t.predictRooms(s, dt, moving)
	}
	if portal >= 0 && s.rooms[portal].level == t.level {
		for i := range b.p {
			b.p[i] = 0
		}
		b.p[s.roomLocal[portal]] = 1
		return portal
	}
	// evidence: the particle mass of each room (a floor for the others)
	floor := math.Pow(roomEvidenceFloor, roomEvidencePower)
	var sum float64
	for i := range b.p {
		b.p[i] *= float32(floor)
	}
	for _, m := range rooms {
		if m.room < 0 || total <= 0 {
			continue
		}
		v := math.Pow(m.w/total+roomEvidenceFloor, roomEvidencePower)
		b.p[s.roomLocal[m.room]] *= float32(v / floor)
	}
	for _, v := range b.p {
		sum += float64(v)
	}
	if !(sum > 0) {
		for i := range b.p {
			b.p[i] = 1 / float32(n)
		}
		sum = 1
	}
	bestMass := roomMass{room: -1}
	for _, m := range rooms {
		if m.room >= 0 && m.w > bestMass.w {
			bestMass = m
		}
	}
	if envf("roomOld", 0) == 1 {
		cur := 0.0
		for _, m := range rooms {
			if m.room == t.room {
				cur = m.w
			}
		}
		if t.room < 0 || s.rooms[t.room].level != t.level || (bestMass.room != t.room && (bestMass.w >= 0.65*total || (cur < 0.35*total && bestMass.w >= 3*cur))) {
			return bestMass.room
		}
		return t.room
	}
	if fast := envf("roomFast", 2); total > 0 && bestMass.w >= fast*total && bestMass.room != t.room && moving >= envf("roomFastMoving", 0.2) && (envf("roomFastAdj", 1) == 0 || t.adjacent(s, bestMass.room)) {
		for i := range b.p {
			b.p[i] *= 0.1
		}
		b.p[s.roomLocal[bestMass.room]] += 0.9
		return bestMass.room
	}
	best, cur := 0, -1
	for i := range b.p {
		b.p[i] = float32(float64(b.p[i]) / sum)
		if b.p[i] > b.p[best] {
			best = i
		}
	}
	if t.room >= 0 && s.rooms[t.room].level == t.level {
		cur = s.roomLocal[t.room]
	}
	f := math.Min(1, moving/roomMovingFull)
	margin := math.Exp((1-f)*math.Log(roomSwitchMargin) + f*math.Log(roomSwitchMarginMoving))
	if cur < 0 || (best != cur && float64(b.p[best]) >= margin*float64(b.p[cur])) {
		return lv.rooms[best]
	}
	return t.room
}

// predictRooms moves the belief over dt seconds: a tag leaves its room at
// a rate between that of a walking and a still tag (by the share of
// walking particles), mostly to rooms joined by a door.
func (t *tracker) predictRooms(s *site, dt, moving float64) {
	b := &t.rooms
	lv := &s.levels[t.level]
	n := len(b.p)
	rate := moving/roomDwellMovingS + (1-moving)/roomDwellStillS
	leave := 1 - math.Exp(-dt*rate)
	var buf [64]float64
	tmp := buf[:0]
	if n > len(buf) {
		tmp = make([]float64, 0, n)
	}
	tmp = tmp[:n]
	var jump float64
	for i, v := range b.p {
		p := float64(v)
		adj := s.roomAdj[lv.rooms[i]]
		out := p * leave
		tmp[i] += p - out
		if len(adj) == 0 {
			jump += out
			continue
		}
		jump += out * roomJumpShare
		each := out * (1 - roomJumpShare) / math.Pow(float64(len(adj)), roomDegPow)
		for _, j := range adj {
			tmp[j] += each
		}
	}
	jump /= float64(n)
	for i := range b.p {
		b.p[i] = float32(tmp[i] + jump)
	}
}

// adjacent reports whether room is joined to the reported room by a door.
func (t *tracker) adjacent(s *site, room int) bool {
	if t.room < 0 || s.rooms[t.room].level != s.rooms[room].level {
		return false
	}
	k := int32(s.roomLocal[room])
	for _, j := range s.roomAdj[t.room] {
		if j == k {
			return true
		}
	}
	return false
}

package sim

import (
	"math"
	"math/rand/v2"

	"github.com/paulmach/orb"
)

// tagState is one tag: where it is, what it is doing, its random stream.
type tagState struct {
	id    string
	idx   int32
	class Class
	rng   *rand.Rand
	tx    float64 // transmit power deviation, dB

	level, room int // room: the last room entered (the tag may be in a doorway)
	x, y        float64
	home        int // patients: their room

	clock float64 // seconds: the motion is computed up to here
	until float64 // while dwelling: when the next trip starts
	legs  []leg   // the trip under way; empty while dwelling
	leg   int     // current leg
	speed float64 // m/s on this trip

	nextBeacon float64
}

// leg is one straight walk to (x, y), or a ride to another level.
type leg struct {
	x, y  float64
	room  int  // room the end point is in; -1 for a door's middle
	ride  bool // change level to room's level, ending at (x, y)
	dur   float64
	start float64 // ride: when it began; -1 before
}

func walkTo(p orb.Point, room int) leg { return leg{x: p[0], y: p[1], room: room, start: -1} }

// moving reports whether the tag is on a trip.
func (tg *tagState) moving() bool { return tg.leg < len(tg.legs) }

// stepTag runs tag tg up to time end, sending its beacons on the way.
func (s *Sim) stepTag(tg *tagState, end float64) {
	for {
		target := math.Min(tg.nextBeacon, end)
		if s.advance(tg, target) { // a trip started: beacon fast from now
			if moving := s.cfg.MovingInterval.Seconds(); tg.nextBeacon > tg.clock+moving {
				tg.nextBeacon = tg.clock + tg.rng.Float64()*moving
			}
			continue
		}
		if tg.nextBeacon > end {
			return
		}
		s.beacon(tg, tg.nextBeacon)
		if tg.moving() {
			tg.nextBeacon += s.cfg.MovingInterval.Seconds()
		} else {
			tg.nextBeacon += s.cfg.StillInterval.Seconds()
		}
	}
}

// advance moves tg along its trip up to time t. It stops early and returns
// true when a trip starts, so the caller can speed up the beacons.
func (s *Sim) advance(tg *tagState, t float64) bool {
	for tg.clock < t {
		if !tg.moving() {
			if tg.until > t {
				tg.clock = t
				return false
			}
			tg.clock = tg.until
			if s.startTrip(tg) {
				return true
			}
			continue
		}
		if !s.followLeg(tg, &tg.legs[tg.leg], t) {
			return false
		}
		tg.leg++
		if !tg.moving() {
			tg.legs, tg.leg = tg.legs[:0], 0
			tg.until = tg.clock + s.dwell(tg)
		}
	}
	return false
}

// followLeg moves tg along lg up to time t; true when the leg is done.
func (s *Sim) followLeg(tg *tagState, lg *leg, t float64) bool {
	if lg.ride {
		if lg.start < 0 {
			lg.start = tg.clock
		}
		if lg.start+lg.dur > t {
			tg.clock = t
			return false
		}
		tg.clock = lg.start + lg.dur
		tg.level = s.w.rooms[lg.room].level
	} else {
		need := math.Hypot(lg.x-tg.x, lg.y-tg.y) / tg.speed
		if tg.clock+need > t {
			f := (t - tg.clock) / need
			tg.x += (lg.x - tg.x) * f
			tg.y += (lg.y - tg.y) * f
			tg.clock = t
			return false
		}
		tg.clock += need
	}
	tg.x, tg.y = lg.x, lg.y
	if lg.room >= 0 {
		tg.room = lg.room
	}
	return true
}

// startTrip picks where tg goes next and plans the way there. It returns
// false (and sets a new dwell) when the tag stays put.
func (s *Sim) startTrip(tg *tagState) bool {
	dest, ok := s.destination(tg)
	if ok {
		ok = s.plan(tg, dest, s.w.randomPoint(dest, tg.rng, wallMargin))
	}
	if !ok {
		tg.until = tg.clock + s.dwell(tg)
		return false
	}
	tg.speed = s.speed(tg)
	return true
}

// plan fills tg.legs with the way from its room to point pt of room dest:
// through each door (in front of it, its middle, in front on the other
// side) and each elevator or stairs ride.
func (s *Sim) plan(tg *tagState, dest int, pt orb.Point) bool {
	legs := tg.legs[:0]
	rt := s.route[0]
	if tg.class != ClassStaff {
		rt = s.route[1]
	}
	for cur := tg.room; cur != dest; {
		e, ok := rt.step(cur, dest)
		if !ok || len(legs) > 4*len(s.w.rooms) {
			return false
		}
		if e.door >= 0 {
			d := &s.w.doors[e.door]
			side := 0
			if d.rooms[0] != cur {
				side = 1
			}
			legs = append(legs, walkTo(d.approach[side], cur), walkTo(d.mid, -1), walkTo(d.approach[1-side], e.to))
		} else {
			in, out := s.w.ridePoints(cur, e.to, tg.rng)
			ride := walkTo(out, e.to)
			ride.ride, ride.dur = true, e.ride*(0.8+0.4*tg.rng.Float64())
			legs = append(legs, walkTo(in, cur), ride)
		}
		cur = e.to
	}
	tg.legs, tg.leg = append(legs, walkTo(pt, dest)), 0
	return true
}

package sim

import (
	"errors"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/rfid"
)

// ErrNoRoute is returned when no path of doors on one level joins two
// rooms.
var ErrNoRoute = errors.New("sim: no route")

// ErrUnknownRoom is returned for a room id the plan lacks.
var ErrUnknownRoom = errors.New("sim: unknown room")

// WalkSpeed is the speed of scripted walks, m/s.
const WalkSpeed = 1.2

// Step is where a tag is during one second of a script.
type Step struct {
	Level string
	Point orb.Point
	// Room is the room of the plan that holds Point, "" for a wall or a door.
	Room string
}

// Placed is one tag at one step.
type Placed struct {
	Tag  string
	Step Step
}

// Scripted is the simulation without chance, for tests and load runs that
// must know where each tag is each second: tags go where a script of steps
// puts them (Stay, Walk), and readers hear them through the simulation's
// radio model with no noise, shadowing, calibration error, loss, outage,
// skew or delay, and walls a little more opaque (scriptedWallLossDB). It is
// not safe for concurrent use.
type Scripted struct {
	s       *Sim
	levels  map[string]int
	batcher *Batcher
}

// scriptedBatchMax is the most sightings Scripted.Batches puts in one
// batch, well below the reader front's limits (1024 sightings, 32 KiB).
const scriptedBatchMax = 300

// scriptedWallLossDB is the loss per wall of scripted runs, above the
// simulator's default (4 dB, what the engine assumes), so that the room a
// scripted tag is in is never a close call for the engine: the tests that
// script a tag at a door rely on that (TestEventsJitter in server fails
// 2 runs in 3 at 4 dB).
const scriptedWallLossDB = 6

// NewScripted returns the scripted simulation of plan.
func NewScripted(plan *floorplans.Plan) (*Scripted, error) {
	c := noiseFree(DefaultConfig(0))
	c.WallLossDB = scriptedWallLossDB
	s, err := build(plan, c)
	if err != nil {
		return nil, err
	}
	return &Scripted{s: s, levels: s.w.levelIndex(), batcher: NewBatcher(BatchConfig{MaxSightings: scriptedBatchMax})}, nil
}

// noiseFree returns c without randomness: its radio model and ranges, no
// deviation, loss, outage, skew or delay.
func noiseFree(c Config) Config {
	c.NoiseSigmaDB, c.ShadowSigmaDB, c.CalibSigmaDB, c.ExponentSigma, c.TxSigmaDB = 0, 0, 0, 0, 0
	c.PacketLoss, c.ReaderFailureFraction, c.ClockSkewSigma = 0, 0, 0
	c.NetDelayMax, c.LateFraction, c.DupFraction = 0, 0, 0
	return c
}

// Stay returns seconds steps at the centre of room.
func (sc *Scripted) Stay(room string, seconds int) ([]Step, error) {
	r, ok := sc.s.w.plan.Room(room)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownRoom, room)
	}
	out := make([]Step, seconds)
	for i := range out {
		out[i] = sc.at(r.Level, r.Centroid)
	}
	return out, nil
}

// Walk returns the steps of a walk at WalkSpeed from the centre of room
// from to the centre of room to, on the simulation's shortest way through
// doors (in front of each, its middle, in front on the other side): one
// step per second after the start, the last at the destination.
func (sc *Scripted) Walk(from, to string) ([]Step, error) {
	w := sc.s.w
	a, okA := w.roomOf[from]
	b, okB := w.roomOf[to]
	switch {
	case !okA:
		return nil, fmt.Errorf("%w: %q", ErrUnknownRoom, from)
	case !okB:
		return nil, fmt.Errorf("%w: %q", ErrUnknownRoom, to)
	}
	pts := []orb.Point{w.rooms[a].r.Centroid}
	for cur := a; cur != b; {
		e, ok := sc.s.route[0].step(cur, b)
		if !ok || e.door < 0 {
			return nil, fmt.Errorf("%w from %q to %q", ErrNoRoute, from, to)
		}
		d := &w.doors[e.door]
		side := 0
		if d.rooms[0] != cur {
			side = 1
		}
		pts = append(pts, d.approach[side], d.mid, d.approach[1-side])
		cur = e.to
	}
	pts = append(pts, w.rooms[b].r.Centroid)
	level := w.rooms[a].r.Level
	var out []Step
	for _, p := range sample(pts, WalkSpeed) {
		out = append(out, sc.at(level, p))
	}
	return out, nil
}

// at returns the step of a point: its level, and the room that holds it.
func (sc *Scripted) at(level string, p orb.Point) Step {
	s := Step{Level: level, Point: p}
	if r := sc.s.w.plan.RoomAt(level, p); r != nil {
		s.Room = r.ID
	}
	return s
}

// sample returns the points reached along the polyline pts at speed, one per
// second after the start; the last is the end of the polyline.
func sample(pts []orb.Point, speed float64) []orb.Point {
	var out []orb.Point
	carry := 0.0 // distance walked since the last sample
	for i := 1; i < len(pts); i++ {
		seg := planar.Distance(pts[i-1], pts[i])
		pos := speed - carry
		for ; pos <= seg; pos += speed {
			f := pos / seg
			out = append(out, orb.Point{pts[i-1][0] + f*(pts[i][0]-pts[i-1][0]), pts[i-1][1] + f*(pts[i][1]-pts[i-1][1])})
		}
		carry = seg - (pos - speed)
	}
	if len(out) == 0 || out[len(out)-1] != pts[len(pts)-1] {
		out = append(out, pts[len(pts)-1])
	}
	return out
}

// Batches returns the batches of one second: what every reader hears of
// the placed tags, stamped ts (epoch ms), one batch per reader (several
// above 300 sightings), numbered per reader from the first call on.
func (sc *Scripted) Batches(ts int64, tags []Placed) []rfid.Batch {
	sc.batcher.Add(ts, sc.sightings(ts, tags))
	return sc.batcher.FlushAll()
}

// sightings returns what the readers hear of the placed tags, every
// sighting stamped ts (epoch ms): each ranging reader in range at the
// mean RSSI of the link, each portal whose zone holds the tag, in tag
// order. Tags on a level the plan lacks are heard by none.
func (sc *Scripted) sightings(ts int64, tags []Placed) []location.Sighting {
	var out []location.Sighting
	s := sc.s
	for _, t := range tags {
		l, ok := sc.levels[t.Step.Level]
		if !ok {
			continue
		}
		p, lv := t.Step.Point, &s.w.levels[l]
		z := lv.elev + tagHeightM
		heard := func(ri int32, rssi float64) {
			out = append(out, location.Sighting{TS: ts, Reader: s.readers[ri].id, Tag: t.Tag, RSSI: quantize(rssi)})
		}
		sc.hearRanging(l, l, p, z, s.cfg.MaxRangeM, 0, heard)
		for _, a := range lv.adj {
			sc.hearRanging(l, a, p, z, s.cfg.MaxRangeM*adjRangeFrac, abs(s.w.levels[a].ordinal-lv.ordinal), heard)
		}
		for _, ri := range s.portals[l] {
			if s.readers[ri].inZone(p) {
				heard(ri, portalRSSI)
			}
		}
	}
	return out
}

// hearRanging calls heard for each ranging reader of level rl that hears a
// tag at p (height z) on level l at or above the threshold.
func (sc *Scripted) hearRanging(l, rl int, p orb.Point, z, rangeM float64, floors int, heard func(int32, float64)) {
	s := sc.s
	s.near = s.grids[rl].near(p[0], p[1], rangeM, s.near[:0])
	for _, ri := range s.near {
		if rssi, ok := s.linkRSSI(ri, l, p, z, rangeM, 0, floors); ok && rssi >= s.cfg.RxThresholdDBm {
			heard(ri, rssi)
		}
	}
}

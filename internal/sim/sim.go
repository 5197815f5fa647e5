package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/jsonl"
	"github.com/paulmach/orb"
)

// readerGridCellM is the cell side of the per-level reader grids.
const readerGridCellM = 10.0

// Sim is a deterministic simulation of tags and readers on one plan. It is
// not safe for concurrent use.
type Sim struct {
	cfg     Config
	w       *world
	route   [2]*router // walkers; pumps and patients (no stairs)
	tags    []tagState
	readers []readerState
	grids   []readerGrid // per level: its ranging readers
	walls   []*wallIndex // per level
	portals [][]int32    // per level: its portal readers
	queue   *wheel
	ready   []record // arrived, not yet returned by Sightings
	near    []int32  // scratch

	startMS int64
	elapsed time.Duration
}

// New builds a simulation of tags on plan (as returned by floorplans.Parse
// or New). Tags start spread over the plan: staff at nurse stations, pumps
// in storage, patients in patient rooms.
func New(plan *floorplans.Plan, tags []TagSpec, cfg Config) (*Sim, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	s, err := build(plan, cfg)
	if err != nil {
		return nil, err
	}
	if err := s.place(tags); err != nil {
		return nil, err
	}
	return s, nil
}

// build returns the simulation of plan with cfg, without tags: its world,
// routes and readers.
func build(plan *floorplans.Plan, cfg Config) (*Sim, error) {
	w, err := newWorld(plan)
	if err != nil {
		return nil, err
	}
	start := cfg.Start
	if start.IsZero() {
		start = DefaultStart
	}
	s := &Sim{cfg: cfg, w: w, route: [2]*router{newRouter(w, false), newRouter(w, true)}, queue: newWheel(), startMS: start.UnixMilli()}
	s.readers = newReaders(w, cfg, w.levelIndex())
	s.grids = make([]readerGrid, len(w.levels))
	s.walls = make([]*wallIndex, len(w.levels))
	s.portals = make([][]int32, len(w.levels))
	for l := range w.levels {
		s.grids[l] = newReaderGrid(s.readers, l, w.levels[l].bound, readerGridCellM)
		s.walls[l] = newWallIndex(w, l)
	}
	for i, r := range s.readers {
		if !r.ranging {
			s.portals[r.level] = append(s.portals[r.level], int32(i))
		}
	}
	return s, nil
}

// levelIndex maps level ids to indices.
func (w *world) levelIndex() map[string]int {
	m := make(map[string]int, len(w.levels))
	for i, l := range w.levels {
		m[l.id] = i
	}
	return m
}

// place puts every tag in its first room, dwelling for part of a dwell.
func (s *Sim) place(specs []TagSpec) error {
	s.tags = make([]tagState, len(specs))
	seen := map[Class]int{}
	for i, sp := range specs {
		tg := &s.tags[i]
		*tg = tagState{
			id: sp.ID, idx: int32(i), class: sp.Class,
			rng: rand.New(rand.NewPCG(s.cfg.Seed^saltTags, uint64(i))),
		}
		tg.tx = tg.rng.NormFloat64() * s.cfg.TxSigmaDB
		tg.room = s.startRoom(sp.Class, seen[sp.Class])
		seen[sp.Class]++
		if tg.room < 0 {
			return fmt.Errorf("%w: no room to start in", ErrPlan)
		}
		tg.home, tg.level = tg.room, s.w.rooms[tg.room].level
		p := s.w.randomPoint(tg.room, tg.rng, wallMargin)
		tg.x, tg.y = p[0], p[1]
		tg.until = tg.rng.Float64() * s.dwell(tg)
		tg.nextBeacon = tg.rng.Float64() * s.cfg.StillInterval.Seconds()
	}
	return nil
}

// startRoom returns the n-th tag of a class's first room: rooms of the
// class's kinds in turn, any non-connector room when the plan has none.
func (s *Sim) startRoom(c Class, n int) int {
	var kinds []kind
	switch c {
	case ClassStaff:
		kinds = []kind{kindNurse}
	case ClassAsset:
		kinds = []kind{kindStorage}
	default:
		kinds = []kind{kindPatient, kindICU}
	}
	var cands []int
	for r := range s.w.rooms {
		for _, k := range kinds {
			if s.w.rooms[r].kind == k {
				cands = append(cands, r)
			}
		}
	}
	if len(cands) == 0 {
		for r := range s.w.rooms {
			if k := s.w.rooms[r].kind; !k.connector() {
				cands = append(cands, r)
			}
		}
	}
	if len(cands) == 0 {
		return -1
	}
	return cands[n%len(cands)]
}

// Now returns the simulated clock, epoch milliseconds.
func (s *Sim) Now() int64 { return s.startMS + s.elapsed.Milliseconds() }

// Step advances the simulation by dt: tags move and beacon, readers hear
// them, and sightings whose delivery time has come become available to
// Sightings. The result depends only on the seed and the sequence of
// steps.
func (s *Sim) Step(dt time.Duration) {
	if dt <= 0 {
		return
	}
	startS := s.elapsed.Seconds()
	s.elapsed += dt
	end := s.elapsed.Seconds()
	for i := range s.readers {
		s.readers[i].out.prune(startS)
	}
	for i := range s.tags {
		s.stepTag(&s.tags[i], end)
	}
	s.ready = s.queue.drain(s.elapsed.Milliseconds(), s.ready)
}

// Sightings returns the sightings delivered since the last call, in
// arrival order (which is not time order: some arrive late, a few twice).
// Each names its reader.
func (s *Sim) Sightings() []location.Sighting {
	out := make([]location.Sighting, len(s.ready))
	for i, r := range s.ready {
		out[i] = location.Sighting{
			TS: r.ts, Reader: s.readers[r.reader].id, Tag: s.tags[r.tag].id, RSSI: r.rssi,
		}
	}
	s.ready = s.ready[:0]
	return out
}

// Truth returns where every tag is now, in the order tags were given.
func (s *Sim) Truth() []jsonl.TruthRow {
	out := make([]jsonl.TruthRow, len(s.tags))
	now := s.Now()
	for i := range s.tags {
		tg := &s.tags[i]
		lv := s.w.levels[tg.level].id
		row := jsonl.TruthRow{TS: now, Tag: tg.id, Level: lv, X: tg.x, Y: tg.y}
		if s.w.contains(tg.room, orb.Point{tg.x, tg.y}) {
			row.Room = s.w.rooms[tg.room].r.ID
		} else if r := s.w.plan.RoomAt(lv, orb.Point{tg.x, tg.y}); r != nil {
			row.Room = r.ID
		}
		out[i] = row
	}
	return out
}

// round2 rounds to centimeters.
func round2(v float64) float64 { return math.Round(v*100) / 100 }

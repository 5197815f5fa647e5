package load

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/sim"
	"github.com/hospitalrtls/rtls/rfid"
)

// stillPeriod is how often a still tag reports, in seconds (0.2 Hz).
const stillPeriod = 5

// Readers hearing each report of a tag, fixed per tag (fewer where fewer
// readers are in range).
const (
	minHeard = 3
	maxHeard = 8
)

// heardBy is one reader hearing a place, at the link's mean RSSI.
type heardBy struct {
	reader string
	rssi   float64
}

// stillTag is a tag that does not move: heard from one place every
// stillPeriod seconds, in the phase its index gives it.
type stillTag struct {
	id   string
	step sim.Step
	k    int // readers hearing it
}

// mix is the hospital mix: moving tags (mobility's room-to-room walks,
// reported every second) and still tags (reported every fifth second, a
// fifth of them each second, so the load is even), each report heard by
// the tag's k strongest readers, the sightings of each reader posted as
// CBOR batches of batchMin..batchMax sightings on the whole second.
type mix struct {
	mob                *mobility
	kMoving            []int
	still              []stillTag
	heard              map[sim.Step][]heardBy
	rng                *rand.Rand
	batchMin, batchMax int
	seq                map[string]uint64
	// rampUp is how many seconds the tags take to appear (tag i of n from
	// second i*rampUp/n on), so their first positions and ENTERs do not all
	// reach the store in one tick.
	rampUp int
}

// newMix builds moving tags (ids movingPrefix + n) and still tags (ids
// stillPrefix + n) in random rooms holding a reader.
func newMix(plan *floorplans.Plan, moving, still int, movingPrefix, stillPrefix string, batchMin, batchMax, rampUp int, seed uint64) (*mix, error) {
	mob, err := newMobility(plan, moving, movingPrefix, seed)
	if err != nil {
		return nil, err
	}
	m := &mix{mob: mob, heard: map[sim.Step][]heardBy{}, rng: rand.New(rand.NewPCG(seed^0x5851f42d4c957f2d, seed)),
		batchMin: batchMin, batchMax: batchMax, seq: map[string]uint64{}, rampUp: rampUp}
	m.kMoving = make([]int, moving)
	for i := range m.kMoving {
		m.kMoving[i] = m.heardCount()
	}
	for i := range still {
		room := mob.rooms[m.rng.IntN(len(mob.rooms))]
		steps, err := mob.sc.Stay(room, 1)
		if err != nil {
			return nil, err
		}
		m.still = append(m.still, stillTag{id: fmt.Sprintf("%s%06d", stillPrefix, i), step: steps[0], k: m.heardCount()})
	}
	return m, nil
}

func (m *mix) heardCount() int { return minHeard + m.rng.IntN(maxHeard-minHeard+1) }

// hear returns the readers hearing a tag at s, strongest first (cached:
// tags stay at room centres and walk through the same points).
func (m *mix) hear(s sim.Step) []heardBy {
	if h, ok := m.heard[s]; ok {
		return h
	}
	var h []heardBy
	for _, b := range m.mob.sc.Batches(0, []sim.Placed{{Tag: "probe", Step: s}}) {
		for _, w := range b.Sightings {
			h = append(h, heardBy{reader: b.Reader, rssi: w.RSSI})
		}
	}
	slices.SortFunc(h, func(a, b heardBy) int { return cmp.Compare(b.rssi, a.rssi) })
	m.heard[s] = h
	return h
}

// active reports whether tag i of n reports at second sec of the ramp-up.
func (m *mix) active(i, n, sec int) bool {
	return sec >= m.rampUp || i*m.rampUp < (sec+1)*n
}

// second returns the batches of second number sec, stamped ts (epoch ms).
func (m *mix) second(sec int, ts int64) ([]rfid.Batch, error) {
	byReader := map[string][]rfid.WireSighting{}
	add := func(tag string, k int, s sim.Step) {
		h := m.hear(s)
		for _, r := range h[:min(k, len(h))] {
			byReader[r.reader] = append(byReader[r.reader], rfid.WireSighting{TS: ts, Tag: tag, RSSI: r.rssi})
		}
	}
	placed, err := m.mob.next()
	if err != nil {
		return nil, err
	}
	for i, p := range placed {
		if m.active(i, len(placed), sec) {
			add(p.Tag, m.kMoving[i], p.Step)
		}
	}
	for i := range m.still {
		if i%stillPeriod == sec%stillPeriod && m.active(i, len(m.still), sec) ||
			sec < m.rampUp && m.active(i, len(m.still), sec) && !m.active(i, len(m.still), sec-1) {
			add(m.still[i].id, m.still[i].k, m.still[i].step) // in its phase, or on appearing
		}
	}
	var out []rfid.Batch
	for _, r := range slices.Sorted(maps.Keys(byReader)) {
		ss := byReader[r]
		for len(ss) > 0 {
			n := min(len(ss), m.batchMin+m.rng.IntN(m.batchMax-m.batchMin+1))
			m.seq[r]++
			out = append(out, rfid.Batch{Reader: r, Seq: m.seq[r], Sightings: ss[:n]})
			ss = ss[n:]
		}
	}
	return out, nil
}

// perTagRate is the mean sightings per second of one tag of the mix with
// share of the tags moving (readers per report as drawn, before range).
func perTagRate(share float64) float64 {
	return float64(minHeard+maxHeard) / 2 * (share + (1-share)/stillPeriod)
}

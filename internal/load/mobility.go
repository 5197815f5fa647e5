package load

import (
	"fmt"
	"math/rand/v2"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/sim"
)

// Stays in a room last between minStay and maxStay seconds.
const (
	minStay = 5
	maxStay = 20
)

// mobility moves tags from room to room: a stay, a walk through the
// corridor to another room, a stay, and so on.
type mobility struct {
	sc    *sim.Scripted // walks, stays and what the readers hear
	rooms []string      // rooms tags stay in: those with a ranging reader inside
	rng   *rand.Rand
	walks map[[2]string][]sim.Step // cache of walks between rooms
	tags  []mover
}

// mover is one tag and the steps it has yet to take.
type mover struct {
	id    string
	room  string // where its current stay is, or its walk leads
	queue []sim.Step
	// changes counts the room changes of its path (into another room).
	changes int
	last    string // room of its last step with a room
}

// newMobility places n tags in random rooms.
func newMobility(plan *floorplans.Plan, n int, prefix string, seed uint64) (*mobility, error) {
	sc, err := sim.NewScripted(plan)
	if err != nil {
		return nil, err
	}
	m := &mobility{sc: sc, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), walks: map[[2]string][]sim.Step{}}
	m.rooms = stayRooms(plan)
	if len(m.rooms) < 2 {
		return nil, fmt.Errorf("%w: the floorplan has fewer than two rooms with a reader", ErrConfig)
	}
	for i := range n {
		room := m.rooms[m.rng.IntN(len(m.rooms))]
		t := mover{id: fmt.Sprintf("%s%05d", prefix, i), room: room}
		if err := m.stay(&t); err != nil {
			return nil, err
		}
		m.tags = append(m.tags, t)
	}
	return m, nil
}

// stayRooms returns the rooms holding a ranging reader, in plan order.
func stayRooms(plan *floorplans.Plan) []string {
	var out []string
	for _, r := range plan.Rooms {
		for _, rd := range plan.ReadersOn(r.Level) {
			if rd.Kind.Ranging() && plan.RoomAt(r.Level, rd.Point) == r && r.Category != "corridor" {
				out = append(out, r.ID)
				break
			}
		}
	}
	return out
}

// next returns every tag's step for the coming second.
func (m *mobility) next() ([]sim.Placed, error) {
	out := make([]sim.Placed, len(m.tags))
	for i := range m.tags {
		t := &m.tags[i]
		if len(t.queue) == 0 {
			if err := m.move(t); err != nil {
				return nil, err
			}
		}
		s := t.queue[0]
		t.queue = t.queue[1:]
		if s.Room != "" && s.Room != t.last {
			if t.last != "" {
				t.changes++
			}
			t.last = s.Room
		}
		out[i] = sim.Placed{Tag: t.id, Step: s}
	}
	return out, nil
}

// move queues a walk to another room and a stay there.
func (m *mobility) move(t *mover) error {
	to := m.rooms[m.rng.IntN(len(m.rooms)-1)]
	if to == t.room {
		to = m.rooms[len(m.rooms)-1]
	}
	key := [2]string{t.room, to}
	steps, ok := m.walks[key]
	if !ok {
		var err error
		if steps, err = m.sc.Walk(t.room, to); err != nil {
			return err
		}
		m.walks[key] = steps
	}
	t.queue = append(t.queue, steps...)
	t.room = to
	return m.stay(t)
}

// stay queues a stay of random length in the tag's room.
func (m *mobility) stay(t *mover) error {
	steps, err := m.sc.Stay(t.room, minStay+m.rng.IntN(maxStay-minStay+1))
	if err != nil {
		return err
	}
	t.queue = append(t.queue, steps...)
	return nil
}

// roomChanges is the number of room changes the tags made so far.
func (m *mobility) roomChanges() int {
	n := 0
	for _, t := range m.tags {
		n += t.changes
	}
	return n
}

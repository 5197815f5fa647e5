package sim

import (
	"slices"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/jsonl"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// runFor runs s for n steps of dt and returns all sightings and truth rows.
func runFor(s *Sim, n int, dt time.Duration) ([]location.Sighting, [][]jsonl.TruthRow) {
	var ss []location.Sighting
	var truth [][]jsonl.TruthRow
	for range n {
		s.Step(dt)
		ss = append(ss, s.Sightings()...)
		truth = append(truth, s.Truth())
	}
	return ss, truth
}

func TestDeterminism(t *testing.T) {
	singleGoroutine(t)
	plan := demoPlan(t)
	tags := Generate(demoTags(), 60)
	run := func(seed uint64) ([]location.Sighting, [][]jsonl.TruthRow) {
		s, err := New(plan, tags, DefaultConfig(seed))
		if err != nil {
			t.Fatal(err)
		}
		return runFor(s, 600, time.Second)
	}
	a, ta := run(7)
	b, tb := run(7)
	c, _ := run(8)
	if len(a) == 0 {
		t.Fatal("no sightings")
	}
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different sightings (%d vs %d)", len(a), len(b))
	}
	if !slices.EqualFunc(ta, tb, slices.Equal[[]jsonl.TruthRow]) {
		t.Error("same seed, different truth")
	}
	if slices.Equal(a, c) {
		t.Error("different seeds, same sightings")
	}
}

// TestStaysInRoomsOrDoors samples every tag every 100 ms for two hours:
// each point is inside a room of its level or in a doorway (within half a
// wall of a door's line), never inside a wall.
func TestStaysInRoomsOrDoors(t *testing.T) {
	singleGoroutine(t)
	plan := demoPlan(t)
	cfg := DefaultConfig(3)
	cfg.LevelChangeProb = 0.3
	s, err := New(plan, Generate(demoTags(), 40), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var inDoor, inRoom int
	for range 72000 {
		s.Step(100 * time.Millisecond)
		for _, r := range s.Truth() {
			p := orb.Point{r.X, r.Y}
			switch {
			case r.Room != "":
				room, _ := plan.Room(r.Room)
				if room.Level != r.Level || !planar.PolygonContains(room.Polygon, p) {
					t.Fatalf("tag %s at %v: truth room %s does not contain it", r.Tag, p, r.Room)
				}
				inRoom++
			case nearDoor(s, r.Level, p, 0.15):
				inDoor++
			default:
				t.Fatalf("tag %s at %s %v: in a wall", r.Tag, r.Level, p)
			}
		}
	}
	if inDoor == 0 || inRoom == 0 {
		t.Errorf("in rooms %d, in doorways %d: expected both", inRoom, inDoor)
	}
}

// nearDoor reports whether p is within d of a door line of the level.
func nearDoor(s *Sim, level string, p orb.Point, d float64) bool {
	for _, door := range s.w.plan.Doors {
		if door.Level == level && floorplans.PointSegmentDistance(p, door.Line[0], door.Line[len(door.Line)-1]) <= d {
			return true
		}
	}
	return false
}

// TestLevelChangesOnlyInConnectors: a tag that is on another level 100 ms
// later was in an elevator or stairs room and is in one of the same kind.
func TestLevelChangesOnlyInConnectors(t *testing.T) {
	singleGoroutine(t)
	plan := demoPlan(t)
	cfg := DefaultConfig(5)
	cfg.LevelChangeProb = 0.5
	s, err := New(plan, Generate(demoTags(), 40), cfg)
	if err != nil {
		t.Fatal(err)
	}
	prev := s.Truth()
	changes := map[string]int{}
	for range 36000 {
		s.Step(100 * time.Millisecond)
		cur := s.Truth()
		for i, r := range cur {
			p := prev[i]
			if r.Level == p.Level {
				continue
			}
			from, _ := plan.Room(p.Room)
			to, _ := plan.Room(r.Room)
			if from == nil || to == nil || from.Category != to.Category || !kindOf(to.Category).connector() {
				t.Fatalf("tag %s changed level from %q to %q", r.Tag, p.Room, r.Room)
			}
			changes[to.Category]++
		}
		prev = cur
	}
	if changes["elevator"] == 0 || changes["stairs"] == 0 {
		t.Errorf("level changes by connector %v: expected elevator and stairs", changes)
	}
}

func TestNewRejects(t *testing.T) {
	plan := demoPlan(t)
	bad := DefaultConfig(1)
	bad.PacketLoss = 2
	for _, c := range []struct {
		name string
		tags []TagSpec
		cfg  Config
		want error
	}{
		{"no tags", nil, DefaultConfig(1), ErrTags},
		{"empty id", []TagSpec{{"", ClassStaff}}, DefaultConfig(1), ErrTags},
		{"repeated id", []TagSpec{{"A", ClassStaff}, {"A", ClassAsset}}, DefaultConfig(1), ErrTags},
		{"unknown class", []TagSpec{{"A", "robot"}}, DefaultConfig(1), ErrTags},
		{"bad config", demoTags(), bad, ErrConfig},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := New(plan, c.tags, c.cfg); !errorsIs(err, c.want) {
				t.Errorf("New: %v, want %v", err, c.want)
			}
		})
	}
	if _, err := New(nil, demoTags(), DefaultConfig(1)); !errorsIs(err, ErrPlan) {
		t.Errorf("New(nil plan): %v, want ErrPlan", err)
	}
}

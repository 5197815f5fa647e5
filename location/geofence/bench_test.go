package geofence

import (
	"fmt"
	"testing"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/location"
)

// mover generates the positions of n tags on a plan without randomness: tag
// i stays in a room for 20 to 59 s, then moves on to another room, each
// position at the room's centroid with a small per-second wobble. Tags
// are staggered so that moves spread over time.
type mover struct {
	rooms []*floorplans.Room
	ids   []string
	stay  int64 // shortest stay in seconds; stays last stay to stay+39 s
}

// newMover returns a mover of n tags on plan.
func newMover(plan *floorplans.Plan, n int) *mover {
	m := &mover{rooms: plan.Rooms, ids: make([]string, n), stay: 20}
	for i := range m.ids {
		switch i % 3 {
		case 0:
			m.ids[i] = fmt.Sprintf("STAFF-%05d", i)
		case 1:
			m.ids[i] = fmt.Sprintf("PUMP-%05d", i)
		default:
			m.ids[i] = fmt.Sprintf("PT-%05d", i)
		}
	}
	return m
}

// at fills p with tag i's position at second s.
func (m *mover) at(p *location.Position, i int, s int64) {
	stay := m.stay + int64(i*7919%40)
	leg := (s + int64(i)*13) / stay
	r := m.rooms[(int64(i)*31+leg*5)%int64(len(m.rooms))]
	wob := float64((s*7+int64(i))%5) * 0.1
	*p = location.Position{TS: s * 1000, Tag: m.ids[i], Level: r.Level,
		X: r.Centroid[0] + wob, Y: r.Centroid[1] - wob, Room: r.ID}
}

// registry classes the mover's tags by prefix.
func (m *mover) registry(b testing.TB) *Registry {
	tags := make([]Tag, len(m.ids))
	for i, id := range m.ids {
		class := []string{"staff", "asset", "patient"}[i%3]
		tags[i] = Tag{ID: id, Class: class, Type: map[string]string{"asset": "infusion_pump"}[class]}
	}
	reg, err := NewRegistry(tags)
	if err != nil {
		b.Fatal(err)
	}
	return reg
}

func BenchmarkObserve(b *testing.B) {
	plan := clinicPlan(b)
	for _, set := range []struct {
		name  string
		rules []Rule
	}{{"rules=default", nil}, {"rules=all", clinicRuleSet}} {
		for _, n := range []int{1000, 10000} {
			b.Run(fmt.Sprintf("%s/tags=%d", set.name, n), func(b *testing.B) {
				m := newMover(plan, n)
				e, err := New(plan, Config{Zones: []Zone{desk}}, set.rules, m.registry(b))
				if err != nil {
					b.Fatal(err)
				}
				benchMoves(b, e, m)
			})
		}
	}
	b.Run("rules=default+status/tags=10000", func(b *testing.B) {
		// asset statuses inferred too (storage rooms taken as soiled)
		m := newMover(plan, 10000)
		rules := DefaultStatusRules()
		rules.SoiledCategories = []string{"storage"}
		e, err := New(plan, Config{Zones: []Zone{desk}, Status: &rules}, nil, m.registry(b))
		if err != nil {
			b.Fatal(err)
		}
		benchMoves(b, e, m)
	})
	b.Run("churn/debounce=0/tags=10000", func(b *testing.B) {
		// Every tag changes rooms every 1 to 40 s and every change takes
		// effect at once: the event rate the engine sustains.
		m := newMover(plan, 10000)
		m.stay = 1
		e, err := New(plan, Config{Debounce: -1}, nil, m.registry(b))
		if err != nil {
			b.Fatal(err)
		}
		benchMoves(b, e, m)
	})
}

// benchMoves observes every tag once per second, ticking after each second
// and taking the visits as the pipeline does, for b.N positions, and
// reports the events emitted.
func benchMoves(b *testing.B, e *Engine, m *mover) {
	var p location.Position
	n := len(m.ids)
	for s := range int64(60) { // warm up: every tag placed and settled
		for i := range n {
			m.at(&p, i, s)
			e.Observe(p)
		}
		e.Tick(s * 1000)
		e.TakeVisits()
	}
	events := 0
	b.ReportAllocs()
	b.ResetTimer()
	for k := range b.N {
		i, s := k%n, int64(60+k/n)
		m.at(&p, i, s)
		events += len(e.Observe(p))
		if i == n-1 {
			events += len(e.Tick(s * 1000))
			e.TakeVisits()
		}
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
}

func BenchmarkObserveStill(b *testing.B) {
	e := newTestEngine(b, Config{}, clinicRuleSet[4], Rule{ID: "d", Type: RuleDwell, ZoneID: "A", Duration: 3600e9, Enabled: true})
	p := at("S1", "A", 0)
	for s := range 10 {
		p.TS = sec(float64(s))
		e.Observe(p)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for k := range b.N {
		p.TS = sec(float64(10 + k))
		e.Observe(p)
	}
}

func BenchmarkTickIdle(b *testing.B) {
	plan := clinicPlan(b)
	m := newMover(plan, 10000)
	e, err := New(plan, Config{}, clinicRuleSet, m.registry(b))
	if err != nil {
		b.Fatal(err)
	}
	var p location.Position
	for i := range m.ids {
		m.at(&p, i, 0)
		e.Observe(p)
	}
	e.Tick(10_000)
	b.ReportAllocs()
	b.ResetTimer()
	for k := range b.N {
		e.Tick(int64(10_000 + k + 1))
	}
}

func TestObserveDoesNotAllocateWhenNothingChanges(t *testing.T) {
	tests := []struct {
		name  string
		rules []Rule
		pos   location.Position
	}{
		{"default rules, room", nil, at("S1", "A", 0)},
		{"absence and dwell rules", []Rule{
			{ID: "gone", Type: RuleAbsence, Duration: 3600e9, Enabled: true},
			{ID: "d", Type: RuleDwell, ZoneID: "A", Duration: 3600e9, Enabled: true}}, at("S1", "A", 0)},
		{"plan zone", nil, func() location.Position { p := at("S1", "A", 0); p.X = 1; return p }()},
		{"no room", nil, at("S1", "", 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEngine(t, Config{}, tc.rules...)
			p := tc.pos
			for s := range 10 {
				p.TS = sec(float64(s))
				e.Observe(p)
			}
			s := 10.0
			allocs := testing.AllocsPerRun(100, func() {
				p.TS = sec(s)
				s++
				if evs := e.Observe(p); evs != nil {
					t.Fatalf("events %q", brief(evs))
				}
			})
			if allocs != 0 {
				t.Fatalf("%v allocations per Observe", allocs)
			}
		})
	}
}

func BenchmarkSnapshot(b *testing.B) {
	plan := clinicPlan(b)
	m := newMover(plan, 10000)
	e, err := New(plan, Config{}, clinicRuleSet, m.registry(b))
	if err != nil {
		b.Fatal(err)
	}
	var p location.Position
	for s := range int64(30) {
		for i := range m.ids {
			m.at(&p, i, s)
			e.Observe(p)
		}
		e.Tick(s * 1000)
	}
	b.Run("tags=10000/snapshot", func(b *testing.B) {
		var n int
		for b.Loop() {
			data, err := e.Snapshot()
			if err != nil {
				b.Fatal(err)
			}
			n = len(data)
		}
		b.ReportMetric(float64(n), "bytes")
	})
	data, _ := e.Snapshot()
	b.Run("tags=10000/restore", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if err := e.Restore(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

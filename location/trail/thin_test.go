package trail

import (
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/location"
)

func TestKeep(t *testing.T) {
	th := NewThinner(Config{Interval: 10 * time.Second, Distance: 2})
	at := func(tag string, ts int64, level, room string, x, y float64) location.Position {
		return location.Position{Tag: tag, TS: ts, Level: level, Room: room, X: x, Y: y}
	}
	steps := []struct {
		name string
		p    location.Position
		want bool
	}{
		{"first of a tag", at("A", 1000, "L0", "R1", 0, 0), true},
		{"first of another tag", at("B", 1000, "L0", "R1", 0, 0), true},
		{"same time", at("A", 1000, "L0", "R2", 9, 9), false},
		{"moved, too soon", at("A", 5000, "L0", "R1", 5, 0), false},
		{"late enough, not moved", at("A", 20000, "L0", "R1", 1, 1), false},
		{"late enough and moved", at("A", 21000, "L0", "R1", 2, 0), true},
		{"room change at once", at("A", 21500, "L0", "R2", 2, 0), true},
		{"level change at once", at("A", 22000, "L1", "R2", 2, 0), true},
		{"leaving rooms at once", at("A", 22500, "L1", "", 2, 0), true},
		{"older than the last kept", at("A", 22400, "L1", "R9", 2, 0), false},
		{"other tag unaffected", at("B", 2000, "L0", "R1", 0, 0), false},
	}
	for _, s := range steps {
		if got := th.Keep(s.p); got != s.want {
			t.Errorf("%s: Keep = %v, want %v", s.name, got, s.want)
		}
	}
}

func TestDefaults(t *testing.T) {
	th := NewThinner(Config{})
	p := location.Position{Tag: "A", TS: 0, Room: "R"}
	th.Keep(p)
	p.TS, p.X = DefaultInterval.Milliseconds()-1, DefaultDistance
	if th.Keep(p) {
		t.Fatal("kept a point before DefaultInterval")
	}
	p.TS = DefaultInterval.Milliseconds()
	if !th.Keep(p) {
		t.Fatal("did not keep a point DefaultInterval and DefaultDistance away")
	}
}

package sim

import (
	"testing"
	"time"
)

func TestSmoke(t *testing.T) {
	s, err := New(demoPlan(t), demoTags(), DefaultConfig(1))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	rooms := map[string]int{}
	for range 3600 {
		s.Step(time.Second)
		n += len(s.Sightings())
		for _, r := range s.Truth() {
			rooms[r.Room]++
		}
	}
	t.Logf("sightings %d, rooms %v", n, rooms)
}

package server

import (
	"context"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/sim"
)

// script is what each tag does, one step per second from the feeder's t0.
type script map[string][]sim.Step

// stay appends a stay in room to the tag's script.
func (sc script) stay(t testing.TB, plan *floorplans.Plan, tag, room string, seconds int) {
	t.Helper()
	steps, err := scripted(t, plan).Stay(room, seconds)
	if err != nil {
		t.Fatal(err)
	}
	sc[tag] = append(sc[tag], steps...)
}

// walk appends a walk from room to room to the tag's script.
func (sc script) walk(t testing.TB, plan *floorplans.Plan, tag, from, to string) {
	t.Helper()
	steps, err := scripted(t, plan).Walk(from, to)
	if err != nil {
		t.Fatal(err)
	}
	sc[tag] = append(sc[tag], steps...)
}

// scripted returns the scripted simulation of plan.
func scripted(t testing.TB, plan *floorplans.Plan) *sim.Scripted {
	t.Helper()
	sc, err := sim.NewScripted(plan)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// firstIn returns the first second, from second from on, at which the tag
// is in room.
func (sc script) firstIn(tag, room string, from int) int {
	for i := from; i < len(sc[tag]); i++ {
		if sc[tag][i].Room == room {
			return i
		}
	}
	return -1
}

// feeder posts a script to rtlsd: for each second, one batch per reader
// that hears any tag, all stamped base + second + 100 ms.
type feeder struct {
	t      testing.TB
	sim    *sim.Scripted
	sender *sim.Sender
	base   int64 // epoch ms of second 0, a whole second
}

// newFeeder starts the script's second 0 two seconds after the server's
// clock (whole seconds).
func newFeeder(t testing.TB, s *Server, plan *floorplans.Plan) *feeder {
	base := s.cfg.Clock().Truncate(time.Second).Add(2 * time.Second)
	f := &feeder{t: t, sim: scripted(t, plan), base: base.UnixMilli()}
	f.connect(s)
	return f
}

// connect sends to s from now on (after a restart).
func (f *feeder) connect(s *Server) {
	f.t.Helper()
	if f.sender != nil {
		f.sender.Close(0)
	}
	snd, err := sim.Dial(s.CoAPAddr().String(), 1, sim.FormatJSON)
	if err != nil {
		f.t.Fatal(err)
	}
	f.sender = snd
	f.t.Cleanup(func() { snd.Close(0) })
}

// epoch is the event time of the positions computed from second i.
func (f *feeder) epoch(i int) int64 { return f.base + int64(i+1)*1000 }

// play posts seconds [from, to) of the script.
func (f *feeder) play(sc script, from, to int) {
	f.t.Helper()
	if to > maxScript {
		f.t.Fatalf("script of %d s: at most %d s fit in the reader front's future window", to, maxScript)
	}
	for i := from; i < to; i++ {
		var placed []sim.Placed
		for tag, steps := range sc {
			if i < len(steps) {
				placed = append(placed, sim.Placed{Tag: tag, Step: steps[i]})
			}
		}
		ts := f.base + int64(i)*1000 + 100
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := f.sender.Send(ctx, f.sim.Batches(ts, placed))
		cancel()
		if err != nil {
			f.t.Fatalf("second %d: %v", i, err)
		}
	}
}

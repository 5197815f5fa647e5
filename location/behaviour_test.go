package location_test

import (
	"testing"

	"github.com/paulmach/orb"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/jsonl"
)

// The scenarios below run on the demo ward (internal/demo): two levels of
// rooms off a corridor, a BLE reader per room and four in each corridor,
// stairs and a lift at the east end, and an rfid_portal covering the
// equipment storage L0-STOR.

const t0 = 1_763_719_200_000 // scenario start, epoch ms

// place is where a simulated tag is during one second.
type place struct {
	level string
	x, y  float64
}

var (
	inP02    = place{"L0", 24.5, 4}   // patient room 002, far from stairs and lift
	aboveP02 = place{"L1", 24.5, 4}   // patient room 114, right above it
	inP03    = place{"L0", 29.5, 4}   // patient room 003
	inStor   = place{"L0", 10.5, 16}  // equipment storage, the portal's room
	inP12    = place{"L1", 14, 4}     // patient room 112 upstairs
	inP05    = place{"L0", 40.5, 4.5} // patient room 005
)

// scenario builds the sightings of one tag second by second.
type scenario struct {
	r   *radio
	out []location.Sighting
}

// hear adds the seconds [from, to) at p, heard by the readers of onLevels
// (all when none) except those in mute.
func (sc *scenario) hear(from, to int64, p place, mute map[string]bool, onLevels ...string) {
	for s := from; s < to; s++ {
		for _, h := range sc.r.hear("tag-1", t0+s*1000, p.level, p.x, p.y, 0, onLevels...) {
			if !mute[h.Reader] {
				sc.out = append(sc.out, h)
			}
		}
	}
}

func (sc *scenario) add(s int64, offMS int64, reader string, rssi float64) {
	sc.out = append(sc.out, location.Sighting{TS: t0 + s*1000 + offMS, Reader: reader, Tag: "tag-1", RSSI: rssi})
}

func TestPortalPlacesTagAtOnce(t *testing.T) {
	plan := demoPlan(t)
	cases := []struct {
		name   string
		before place // where the radio placed the tag for 20 s
		during place // where the radio hears it in the portal's second
	}{
		{"radio agrees", inP05, inStor},
		{"radio still elsewhere", inP05, inP05},
		{"coming from upstairs", inP12, inP12},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc := scenario{r: newRadio(plan, 11)}
			sc.hear(0, 20, c.before, nil)
			sc.add(20, 30, "P-L0-STOR", -50)
			sc.hear(20, 21, c.during, nil)
			ps := replay(newEngine(t, plan, location.Defaults()), sc.out)
			at := positionAt(t, ps, t0+21_000)
			stor, _ := plan.Room("L0-STOR")
			if at.Room != "L0-STOR" || at.Level != "L0" || plan.RoomAt("L0", orb.Point{at.X, at.Y}) != stor {
				t.Errorf("position after the portal read: %s, want in L0-STOR", jsonl.AppendPosition(nil, at))
			}
			checkInRooms(t, plan, ps)
		})
	}
}

// positionAt returns the position with the given ts.
func positionAt(t *testing.T, ps []location.Position, ts int64) location.Position {
	t.Helper()
	for _, p := range ps {
		if p.TS == ts {
			return p
		}
	}
	t.Fatalf("no position at ts %d (of %d)", ts, len(ps))
	return location.Position{}
}

func TestLevelNeedsSustainedEvidence(t *testing.T) {
	plan := demoPlan(t)
	cfg := location.Defaults()
	switchS := cfg.LevelSwitchMS / 1000
	cases := []struct {
		name      string
		then      func(sc *scenario) // from second 30 on, after 30 s in P02
		lastLevel string
		stayUntil int64 // positions before t0 + stayUntil ms stay on L0
	}{
		{"one strong reading upstairs", func(sc *scenario) {
			sc.add(30, 200, "R-L1-P14", -45)
			sc.hear(31, 60, inP02, nil)
		}, "L0", 60_000},
		{"one second heard only upstairs", func(sc *scenario) {
			sc.hear(30, 31, aboveP02, nil, "L1")
			sc.hear(31, 60, inP02, nil)
		}, "L0", 60_000},
		{"a few seconds heard only upstairs", func(sc *scenario) {
			sc.hear(30, 30+switchS/2, aboveP02, nil, "L1")
			sc.hear(30+switchS/2, 60, inP02, nil)
		}, "L0", 60_000},
		{"upstairs for good", func(sc *scenario) {
			sc.hear(30, 60, aboveP02, nil, "L1")
		}, "L1", 30_000 + cfg.LevelSwitchMS},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc := scenario{r: newRadio(plan, 5)}
			sc.hear(0, 30, inP02, nil)
			c.then(&sc)
			ps := replay(newEngine(t, plan, cfg), sc.out)
			for _, p := range ps {
				if p.TS < t0+c.stayUntil && p.Level != "L0" {
					t.Fatalf("on level %s at +%d ms, want L0 until +%d ms", p.Level, p.TS-t0, c.stayUntil)
				}
			}
			if last := ps[len(ps)-1]; last.Level != c.lastLevel {
				t.Errorf("ends on level %s, want %s", last.Level, c.lastLevel)
			}
			checkInRooms(t, plan, ps)
		})
	}
}

// TestSilentReaderKeepsPositions silences the reader of the tag's own room
// for three minutes: the other readers still hear the tag, so the engine
// must keep computing a position every epoch.
func TestSilentReaderKeepsPositions(t *testing.T) {
	plan := demoPlan(t)
	sc := scenario{r: newRadio(plan, 9)}
	sc.hear(0, 60, inP03, nil)
	sc.hear(60, 240, inP03, map[string]bool{"R-L0-P03": true})
	sc.hear(240, 260, inP03, nil)
	ps := replay(newEngine(t, plan, location.Defaults()), sc.out)
	seen := map[int64]bool{}
	inRoom, silent := 0, 0
	for _, p := range ps {
		seen[p.TS] = true
		if p.Level != "L0" {
			t.Errorf("level %s at +%d ms, want L0", p.Level, p.TS-t0)
		}
		if p.TS > t0+60_000 && p.TS <= t0+240_000 {
			silent++
			if p.Room == "L0-P03" {
				inRoom++
			}
		}
	}
	for s := int64(61); s <= 240; s++ {
		if !seen[t0+s*1000] {
			t.Fatalf("no position for the second ending at +%d s while the reader was silent", s)
		}
	}
	if inRoom < silent*9/10 {
		t.Errorf("only %d of %d positions in L0-P03 while its reader was silent", inRoom, silent)
	}
	checkInRooms(t, plan, ps)
}

// TestPositionsInRooms checks every position of a replay of the synthetic
// clinic (two minutes here; the accuracy guard checks the whole file).
func TestPositionsInRooms(t *testing.T) {
	plan := datasetPlan(t, "synthetic-clinic")
	ps := replay(newEngine(t, plan, location.Defaults()), prefixUntil(datasetSightings(t, "synthetic-clinic"), 120_000))
	if len(ps) < 1000 {
		t.Fatalf("only %d positions", len(ps))
	}
	checkInRooms(t, plan, ps)
}

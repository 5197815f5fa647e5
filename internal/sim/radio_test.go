package sim

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/location/jsonl"
	"github.com/paulmach/orb"
)

// The demo ward's level 0, west end (walls 0.2 m, doors on the corridor):
//
//	y=20 +---------+------+------+--
//	     | L0-NS   |L0-STOR CLEAN|
//	y=11 +---  ----+--  --+--  --+--
//	     | L0-COR  (corridor)
//	y=8  +--  --+-----+-----+--  --+-
//	     |L0-EXIT|ICU1 |ICU2 | P01  |
//	y=0  +-------+-----+-----+------+-
//	     0       5     11    17     22
func TestWallCount(t *testing.T) {
	s, err := New(demoPlan(t), demoTags(), quietConfig(1))
	if err != nil {
		t.Fatal(err)
	}
	wi := s.walls[s.w.levelIndex()["L0"]]
	for _, c := range []struct {
		name string
		p, q orb.Point
		want int
	}{
		{"same room", orb.Point{18, 2}, orb.Point{21, 6}, 0},
		{"room to corridor through the wall", orb.Point{19.5, 4}, orb.Point{17.5, 9.5}, 1},
		{"room to corridor through two walls", orb.Point{19.5, 4}, orb.Point{15, 9.5}, 2},
		{"room to corridor through the door", orb.Point{19.5, 4}, orb.Point{19.5, 9.5}, 0},
		{"neighbouring rooms", orb.Point{14, 4}, orb.Point{19.5, 4}, 1},
		{"three rooms along the row", orb.Point{8, 4}, orb.Point{19.5, 4}, 2},
		{"across the corridor, off the doors", orb.Point{18, 4}, orb.Point{26, 15}, 2},
		{"across the corridor through both doors", orb.Point{14, 2}, orb.Point{15.5, 18}, 0},
		{"room to outside", orb.Point{19.5, 4}, orb.Point{19.5, -3}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := wi.count(c.p, c.q); got != c.want {
				t.Errorf("walls %v-%v = %d, want %d", c.p, c.q, got, c.want)
			}
			if got := wi.count(c.q, c.p); got != c.want {
				t.Errorf("walls %v-%v = %d, want %d", c.q, c.p, got, c.want)
			}
		})
	}
}

// TestStrongestReaderIsOwnRoom: with a quiet radio, a still tag is heard
// best by its room's reader when that is the nearest reader, and often
// also when a reader behind a wall is nearer.
func TestStrongestReaderIsOwnRoom(t *testing.T) {
	singleGoroutine(t)
	plan := demoPlan(t)
	s, err := New(plan, Generate(demoTags(), 60), quietConfig(2))
	if err != nil {
		t.Fatal(err)
	}
	var nearest, nearestWon, walled, walledWon int
	truth := map[string]jsonl.TruthRow{}
	for range 1800 {
		s.Step(time.Second)
		prev := truth
		truth = map[string]jsonl.TruthRow{}
		for _, r := range s.Truth() {
			truth[r.Tag] = r
		}
		for tag, b := range strongestBLE(s) {
			r, p := truth[tag], prev[tag]
			own, ok := plan.Reader("R-" + r.Room)
			if !ok || !still(r, p) {
				continue // not in a room with a reader, or moving
			}
			near := nearestReader(s, r)
			switch {
			case near == own.ID:
				nearest++
				if b.reader == own.ID {
					nearestWon++
				}
			case inCorridor(s, r.Level, near):
				// a corridor reader: maybe through the open door
			default:
				walled++
				if b.reader == own.ID {
					walledWon++
				}
			}
		}
	}
	if nearest < 1000 || nearestWon != nearest {
		t.Errorf("own reader nearest: strongest in %d of %d beacons, want all", nearestWon, nearest)
	}
	t.Logf("own reader nearest: %d/%d; behind a wall: %d/%d", nearestWon, nearest, walledWon, walled)
	if walledWon == 0 {
		t.Errorf("own reader behind a nearer one in another room: strongest in %d of %d, want some", walledWon, walled)
	}
}

// still reports whether a tag was at the same place at both rows.
func still(r, p jsonl.TruthRow) bool {
	return r.Level == p.Level && r.X == p.X && r.Y == p.Y
}

// inCorridor reports whether the reader is in a corridor.
func inCorridor(s *Sim, level, reader string) bool {
	rd, _ := s.w.plan.Reader(reader)
	room := s.w.plan.RoomAt(level, rd.Point)
	return room != nil && room.Category == "corridor"
}

// strongestBLE returns each tag's strongest BLE sighting since the last
// call.
func strongestBLE(s *Sim) map[string]strongest {
	best := map[string]strongest{}
	for _, x := range s.Sightings() {
		rd, _ := s.w.plan.Reader(x.Reader)
		if rd.Kind != "ble" {
			continue
		}
		if b, ok := best[x.Tag]; !ok || x.RSSI > b.rssi {
			best[x.Tag] = strongest{x.Reader, x.RSSI}
		}
	}
	return best
}

// nearestReader returns the id of the BLE reader of r's level nearest r.
func nearestReader(s *Sim, r jsonl.TruthRow) string {
	best, bestD := "", math.Inf(1)
	for _, rd := range s.w.plan.ReadersOn(r.Level) {
		if d := math.Hypot(rd.Point[0]-r.X, rd.Point[1]-r.Y); rd.Kind == "ble" && d < bestD {
			best, bestD = rd.ID, d
		}
	}
	return best
}

type strongest struct {
	reader string
	rssi   float64
}

// TestPortalReadsOnlyInZone: RFID portals read a tag only while it is in
// the storage room they cover, and every beacon sent from there.
func TestPortalReadsOnlyInZone(t *testing.T) {
	singleGoroutine(t)
	plan := demoPlan(t)
	s, err := New(plan, Generate(demoTags(), 60), quietConfig(4))
	if err != nil {
		t.Fatal(err)
	}
	var reads, inside int
	for range 36000 {
		s.Step(100 * time.Millisecond)
		truth := map[string]jsonl.TruthRow{}
		for _, r := range s.Truth() {
			truth[r.Tag] = r
		}
		for _, x := range s.Sightings() {
			rd, _ := plan.Reader(x.Reader)
			if rd.Kind != "rfid_portal" {
				continue
			}
			reads++
			r := truth[x.Tag]
			zone, _ := plan.Room(rd.Zone)
			// the beacon was sent within the last 100 ms: at most 16 cm away
			if r.Level != rd.Level || boundaryDistOrInside(zone.Polygon, orb.Point{r.X, r.Y}) > 0.2 {
				t.Fatalf("portal %s read tag %s at %s %.2f,%.2f (room %q)", rd.ID, r.Tag, r.Level, r.X, r.Y, r.Room)
			}
		}
		for _, r := range s.Truth() {
			if r.Room == "L0-STOR" || r.Room == "L1-STOR" {
				inside++
			}
		}
	}
	if reads == 0 || inside == 0 {
		t.Errorf("portal reads %d, tag-samples in storage %d: expected both", reads, inside)
	}
}

// boundaryDistOrInside is 0 inside the polygon, else the distance to it.
func boundaryDistOrInside(poly orb.Polygon, p orb.Point) float64 {
	if polygonContains(poly, p) {
		return 0
	}
	return boundaryDist(poly, p)
}

// TestReaderOutages: with failures on, some readers fall silent for
// minutes while tags are around; with failures off none does.
func TestReaderOutages(t *testing.T) {
	singleGoroutine(t)
	plan := demoPlan(t)
	for _, c := range []struct {
		fraction   float64
		wantSilent bool
	}{{0, false}, {0.3, true}} {
		t.Run(fmt.Sprint(c.fraction), func(t *testing.T) {
			cfg := DefaultConfig(6)
			cfg.ReaderFailureFraction, cfg.ReaderOutageMean = c.fraction, 3*time.Minute
			s, err := New(plan, Generate(demoTags(), 300), cfg)
			if err != nil {
				t.Fatal(err)
			}
			last := map[string]int64{}
			longest := map[string]int64{}
			for range 1800 {
				s.Step(time.Second)
				for _, x := range s.Sightings() {
					if l, ok := last[x.Reader]; ok {
						longest[x.Reader] = max(longest[x.Reader], x.TS-l)
					}
					last[x.Reader] = max(last[x.Reader], x.TS)
				}
			}
			silent := 0
			for _, rd := range plan.Readers {
				if rd.Kind == "ble" && longest[rd.ID] > 60_000 {
					silent++
				}
			}
			if (silent > 0) != c.wantSilent {
				t.Errorf("%d BLE readers silent for over a minute, want silent: %v", silent, c.wantSilent)
			}
		})
	}
}

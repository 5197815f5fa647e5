package sim

import (
	"github.com/hospitalrtls/rtls/floorplans"
)

// Vertical moves: elevators join every level they overlap, stairs the
// next level up or down.
const (
	elevatorRideS   = 25.0 // waiting included
	elevatorPerLvlS = 4.0
	stairsPerLvlS   = 18.0
	rideCostPerS    = 1.2 // meters a walker would cover meanwhile
)

// addVertical links connector rooms of different levels that overlap.
func (w *world) addVertical() {
	var conn []int
	for i := range w.rooms {
		if w.rooms[i].kind.connector() {
			conn = append(conn, i)
		}
	}
	for i, a := range conn {
		for _, b := range conn[i+1:] {
			ra, rb := &w.rooms[a], &w.rooms[b]
			if ra.kind != rb.kind || ra.level == rb.level || !overlap(ra.r, rb.r) {
				continue
			}
			dl := abs(w.levels[ra.level].ordinal - w.levels[rb.level].ordinal)
			ride := elevatorRideS + elevatorPerLvlS*float64(dl)
			if ra.kind == kindStairs {
				if dl != 1 {
					continue
				}
				ride = stairsPerLvlS
			}
			w.link(a, b, -1, ride*rideCostPerS, ride, ra.kind == kindStairs)
		}
	}
}

// overlap reports whether either room's centroid lies in the other.
func overlap(a, b *floorplans.Room) bool {
	return floorplans.PolygonContains(a.Polygon, b.Centroid) || floorplans.PolygonContains(b.Polygon, a.Centroid)
}

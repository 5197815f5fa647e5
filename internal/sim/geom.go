package sim

import (
	"math"
	"math/rand/v2"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/paulmach/orb"
)

// wallMargin keeps the points where tags stop this far from any wall.
const wallMargin = 0.4

// pointTries bounds rejection sampling for a point inside a room.
const pointTries = 64

// randomPoint returns a uniformly drawn point of room r at least margin
// from its boundary; in rooms too narrow for that the margin shrinks, and
// as a last resort the point nearest the room's centroid is used.
func (w *world) randomPoint(r int, rng *rand.Rand, margin float64) orb.Point {
	room := w.rooms[r].r
	b := room.Bound
	for m := margin; m >= margin/8; m /= 2 {
		for range pointTries {
			p := orb.Point{
				b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]),
				b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1]),
			}
			if w.contains(r, p) && boundaryDist(room.Polygon, p) >= m {
				return p
			}
		}
	}
	return floorplans.NearestPointInRoom(room, room.Centroid)
}

// boundaryDist returns the distance from p to the nearest ring edge.
func boundaryDist(poly orb.Polygon, p orb.Point) float64 {
	best := math.Inf(1)
	for _, ring := range poly {
		for i := 1; i < len(ring); i++ {
			best = math.Min(best, floorplans.PointSegmentDistance(p, ring[i-1], ring[i]))
		}
	}
	return best
}

// ridePoints returns where a tag waits in connector room a and where it
// steps out in room b on the other level: the same x/y when that is inside
// both rooms.
func (w *world) ridePoints(a, b int, rng *rand.Rand) (orb.Point, orb.Point) {
	for range pointTries {
		p := w.randomPoint(a, rng, wallMargin)
		if w.contains(b, p) && boundaryDist(w.rooms[b].r.Polygon, p) >= wallMargin/2 {
			return p, p
		}
	}
	return w.randomPoint(a, rng, wallMargin), w.randomPoint(b, rng, wallMargin)
}

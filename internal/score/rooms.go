package score

import (
	"github.com/paulmach/orb"

	"github.com/hospitalrtls/rtls/floorplans"
)

// rooms answers the two plan questions scoring asks, with the reference
// tool's rules: a level's ordinal (0 when unknown) and the first room of
// the plan whose outer ring contains a point (even-odd rule, holes
// ignored).
type rooms struct {
	ordinals map[string]int
	list     []*floorplans.Room
}

func newRooms(plan *floorplans.Plan) *rooms {
	rm := &rooms{ordinals: map[string]int{}}
	if plan == nil {
		return rm
	}
	for _, l := range plan.Levels {
		rm.ordinals[l.ID] = l.Ordinal
	}
	rm.list = plan.Rooms
	return rm
}

func (rm *rooms) ordinal(level string) int { return rm.ordinals[level] }

// at returns the id of the first room of level containing (x, y), or "".
func (rm *rooms) at(level string, x, y float64) string {
	for _, r := range rm.list {
		if r.Level == level && len(r.Polygon) > 0 && inRing(r.Polygon[0], x, y) {
			return r.ID
		}
	}
	return ""
}

// inRing is the even-odd rule on a closed ring.
func inRing(ring orb.Ring, x, y float64) bool {
	in := false
	j := len(ring) - 1
	for i := range ring {
		xi, yi := ring[i][0], ring[i][1]
		xj, yj := ring[j][0], ring[j][1]
		if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
			in = !in
		}
		j = i
	}
	return in
}

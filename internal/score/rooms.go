package score

import (
	"github.com/paulmach/orb"

	"github.com/hospitalrtls/rtls/floorplans"
)

// rooms answers the two plan questions scoring asks, with the reference
// tool's rules: a level's ordinal (0 when unknown) and the first room of
// the plan whose outer ring contains a point (holes ignored; a point on an
// edge is inside, floorplans.RingContains, where the reference tool's
// even-odd rule may go either way).
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
		if r.Level == level && len(r.Polygon) > 0 && floorplans.RingContains(r.Polygon[0], orb.Point{x, y}) {
			return r.ID
		}
	}
	return ""
}

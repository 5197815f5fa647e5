// Package walk scripts tag movements on a floorplan and turns them into what
// the readers would hear: a deterministic log-distance radio model (the
// plan's nominal calibration, one wall between rooms, no noise), so that a
// test or a load run knows exactly where each tag is each second.
package walk

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/hospitalrtls/rtls/floorplans"
)

// Radio defaults.
const (
	DefaultWallLossDB = 6    // loss between a tag and a reader in another room
	DefaultTagHeightM = 1.2  // tag height above the floor
	DefaultMinRSSI    = -95. // readers do not report weaker sightings
)

// Reading is what one reader hears of a tag.
type Reading struct {
	Reader string
	RSSI   float64 // dBm, rounded to 0.1
}

// Radio computes the RSSI each ranging reader hears from a tag.
type Radio struct {
	plan *floorplans.Plan
	// roomOf maps each reader to the room it hangs in ("" for none).
	roomOf map[string]string
	// WallLossDB, TagHeightM and MinRSSI tune the model.
	WallLossDB, TagHeightM, MinRSSI float64
}

// NewRadio returns the radio model of a plan with the defaults.
func NewRadio(plan *floorplans.Plan) *Radio {
	r := &Radio{plan: plan, roomOf: map[string]string{},
		WallLossDB: DefaultWallLossDB, TagHeightM: DefaultTagHeightM, MinRSSI: DefaultMinRSSI}
	for _, rd := range plan.Readers {
		if room := plan.RoomAt(rd.Level, rd.Point); room != nil {
			r.roomOf[rd.ID] = room.ID
		}
	}
	return r
}

// Hear returns the readings of a tag at s, strongest first (ties by reader
// id); readers of other levels, portals and readings below MinRSSI are left
// out.
func (r *Radio) Hear(s Step) []Reading {
	var out []Reading
	for _, rd := range r.plan.ReadersOn(s.Level) {
		if !rd.Kind.Ranging() {
			continue
		}
		dz := rd.HeightM - r.TagHeightM
		d := math.Max(math.Sqrt(planar.DistanceSquared(rd.Point, s.Point)+dz*dz), 0.5)
		rssi := rd.RSSIAt1m - 10*rd.PathLossExponent*math.Log10(d)
		if r.roomOf[rd.ID] != s.Room {
			rssi -= r.WallLossDB
		}
		if rssi >= r.MinRSSI {
			out = append(out, Reading{Reader: rd.ID, RSSI: math.Round(rssi*10) / 10})
		}
	}
	slices.SortFunc(out, func(a, b Reading) int {
		if c := cmp.Compare(b.RSSI, a.RSSI); c != 0 {
			return c
		}
		return strings.Compare(a.Reader, b.Reader)
	})
	return out
}

// at returns the step of a point: its level, and the room that holds it.
func at(plan *floorplans.Plan, level string, pt orb.Point) Step {
	s := Step{Level: level, Point: pt}
	if room := plan.RoomAt(level, pt); room != nil {
		s.Room = room.ID
	}
	return s
}

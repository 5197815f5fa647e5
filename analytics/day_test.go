package analytics

import (
	"fmt"
	"math/rand/v2"
	"sort"

	"github.com/hospitalrtls/rtls/location/geofence"
)

// day is a deterministic day of visits: tags walking between rooms.
type day struct {
	rooms  map[string]Room
	visits []geofence.Visit // closed visits, in the order they closed
	start  int64
}

// newDay returns nTags tags over nRooms rooms (4 categories, 8 units) for
// 24 hours from start, seeded.
func newDay(nTags, nRooms int, seed uint64, start int64) day {
	r := rand.New(rand.NewPCG(seed, 1))
	d := day{rooms: map[string]Room{}, start: start}
	ids := make([]string, nRooms)
	for i := range ids {
		ids[i] = fmt.Sprintf("R%04d", i)
		d.rooms[ids[i]] = Room{Category: fmt.Sprintf("cat%d", i%4), Unit: fmt.Sprintf("U%d", i%8)}
	}
	classes := []string{geofence.ClassStaff, geofence.ClassAsset, geofence.ClassPatient}
	end := start + 24*HourMs
	for t := range nTags {
		tag := fmt.Sprintf("T%05d", t)
		class := classes[t%3]
		home := r.IntN(nRooms)
		ts := start + r.Int64N(HourMs)
		for ts < end {
			room := ids[(home+r.IntN(12))%nRooms]
			dur := 5_000 + r.Int64N(40*60_000) // 5 s to 40 min
			if r.IntN(20) == 0 {
				dur = r.Int64N(900) // under a second
			}
			if r.IntN(30) == 0 {
				dur = 2*HourMs + r.Int64N(3*HourMs) // spans hours
			}
			d.visits = append(d.visits, geofence.Visit{Tag: tag, Class: class, Room: room, Enter: ts, Exit: ts + dur})
			ts += dur + r.Int64N(120_000)
		}
	}
	// Close order: by exit time, as the engine delivers them.
	sort.SliceStable(d.visits, func(i, j int) bool { return d.visits[i].Exit < d.visits[j].Exit })
	return d
}

// fields aggregates the day as the pipeline and a store would.
func (d day) fields() Fields {
	a := NewAggregator(d.rooms, nil)
	fs, p := Fields{}, NewPacker()
	for i := 0; i < len(d.visits); i += 100 {
		a.Visits(d.visits[i:min(i+100, len(d.visits))])
		p.Apply(fs, a.Take())
	}
	return fs
}

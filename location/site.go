package location

import (
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/hospitalrtls/rtls/floorplans"
)

// site is the engine's compact, index-based view of a floorplan: the hot
// path works with small integers and float64s, not ids and maps.
type site struct {
	plan     *floorplans.Plan
	levels   []siteLevel
	levelOf  map[string]int
	rooms    []siteRoom
	roomOf   map[string]int
	readers  []siteReader
	readerOf map[string]int
	// doors maps an ordered room pair (lo, hi) to the door openings between them.
	doors map[[2]int32][]segment
	// roomLocal is each room's index within its level's rooms, roomAdj the
	// local indices of the rooms joined to it by a door (roomfilter.go).
	roomLocal []int
	roomAdj   [][]int32
	// roomScale is each room's equivalent radius, sqrt(area/π) (radius).
	roomScale []float64
}

type siteLevel struct {
	id      string
	ordinal int
	elev    float64
	outline orb.Ring
	bound   orb.Bound
	grid    floorplans.Grid // over the bounds of rooms, indexed as rooms
	rooms   []int           // room indices on this level
	readers []int           // reader indices on this level
	frame   posFrame        // where kept particles lie (tracker.go)
}

type siteRoom struct {
	id       string
	level    int
	ring     orb.Ring
	bound    orb.Bound
	rect     bool     // the ring is its bound: containment is a bound check
	vertical bool     // a lift or stairs: tags change level here
	links    []int    // vertical rooms of other levels stacked over this one
	frame    posFrame // where its kept particles lie (tracker.go)
}

type siteReader struct {
	id      string
	level   int
	x, y, z float64 // z: elevation of the antenna above the site's ground
	rssi1m  float64
	n       float64
	ranging bool
	room    int // room the reader is in, -1 when none
	// portal: the room an rfid_portal covers (-1 when it covers a zone that is not a room).
	portalRoom int
	portalZone *floorplans.Zone
	// walls counts the walls between the reader and each place near it
	// (nil: the reader is not in a room, or its level has none).
	walls *wallGrid
}

// segment is a straight piece of a door opening.
type segment [2]orb.Point

// verticalCategories are room categories where a tag may change level.
var verticalCategories = map[string]bool{
	"elevator": true, "lift": true, "stairs": true, "stair": true, "stairwell": true, "escalator": true,
}

func newSite(p *floorplans.Plan, cfg Config) *site {
	s := &site{plan: p, levelOf: map[string]int{}, roomOf: map[string]int{}, readerOf: map[string]int{}, doors: map[[2]int32][]segment{}}
	for _, l := range p.Levels {
		elev := l.ElevationM
		if elev == 0 && l.Ordinal != 0 {
			elev = float64(l.Ordinal) * cfg.LevelHeightM
		}
		var ring orb.Ring
		if len(l.Outline) > 0 {
			ring = l.Outline[0]
		}
		s.levelOf[l.ID] = len(s.levels)
		s.levels = append(s.levels, siteLevel{id: l.ID, ordinal: l.Ordinal, elev: elev, outline: ring, bound: ring.Bound()})
	}
	for _, r := range p.Rooms {
		li, ok := s.levelOf[r.Level]
		if !ok || len(r.Polygon) == 0 {
			continue
		}
		s.roomOf[r.ID] = len(s.rooms)
		s.levels[li].rooms = append(s.levels[li].rooms, len(s.rooms))
		s.rooms = append(s.rooms, siteRoom{id: r.ID, level: li, ring: r.Polygon[0], bound: r.Polygon[0].Bound(), rect: isRect(r.Polygon[0]), vertical: verticalCategories[r.Category]})
	}
	for i := range s.levels {
		l := &s.levels[i]
		bounds := make([]orb.Bound, len(l.rooms))
		for k, ri := range l.rooms {
			bounds[k] = s.rooms[ri].bound
		}
		l.grid = floorplans.NewGrid(bounds)
	}
	s.linkVertical()
	for _, d := range p.Doors {
		a, okA := s.roomOf[d.Connects[0]]
		b, okB := s.roomOf[d.Connects[1]]
		if !okA || !okB || len(d.Line) < 2 {
			continue
		}
		k := pairKey(a, b)
		for i := 1; i < len(d.Line); i++ {
			s.doors[k] = append(s.doors[k], segment{d.Line[i-1], d.Line[i]})
		}
	}
	s.buildRoomGraph()
	for _, r := range p.Readers {
		li, ok := s.levelOf[r.Level]
		if !ok {
			continue
		}
		sr := siteReader{id: r.ID, level: li, x: r.Point[0], y: r.Point[1], z: s.levels[li].elev + r.HeightM,
			rssi1m: r.RSSIAt1m, n: r.PathLossExponent, ranging: r.Kind.Ranging(), portalRoom: -1}
		sr.room = s.roomAt(li, sr.x, sr.y)
		if r.Kind == floorplans.KindRFIDPortal {
			if ri, ok := s.roomOf[r.Zone]; ok {
				sr.portalRoom = ri
			} else if z, ok := p.Zone(r.Zone); ok {
				sr.portalZone = z
			}
		}
		s.readerOf[r.ID] = len(s.readers)
		s.levels[li].readers = append(s.levels[li].readers, len(s.readers))
		s.readers = append(s.readers, sr)
	}
	s.buildWallGrids(cfg.MaxWalls, cfg.workers())
	s.buildFrames()
	return s
}

func pairKey(a, b int) [2]int32 {
	if a > b {
		a, b = b, a
	}
	return [2]int32{int32(a), int32(b)}
}

// linkVertical connects each lift or stairs room to the vertical rooms of
// the levels directly above and below that contain its centroid.
func (s *site) linkVertical() {
	for i := range s.rooms {
		r := &s.rooms[i]
		if !r.vertical {
			continue
		}
		c, _ := planar.CentroidArea(orb.Polygon{r.ring})
		for j := range s.rooms {
			o := &s.rooms[j]
			if j == i || !o.vertical || o.level == r.level {
				continue
			}
			if d := s.levels[o.level].ordinal - s.levels[r.level].ordinal; d == 1 || d == -1 {
				if floorplans.RingContains(o.ring, c) {
					r.links = append(r.links, j)
				}
			}
		}
	}
}

// roomAt returns the index of the room containing (x, y) on level li, or -1.
func (s *site) roomAt(li int, x, y float64) int {
	l := &s.levels[li]
	for _, i := range l.grid.At(orb.Point{x, y}) {
		if ri := l.rooms[i]; s.rooms[ri].contains(x, y) {
			return ri
		}
	}
	return -1
}

// walkable reports whether (x, y) is a place a tag can be on level li: in a
// room, or anywhere inside the outline of a level that has no rooms.
func (s *site) walkable(li int, x, y float64) (room int, ok bool) {
	l := &s.levels[li]
	if len(l.rooms) == 0 {
		if len(l.outline) == 0 {
			return -1, true
		}
		return -1, floorplans.RingContains(l.outline, orb.Point{x, y})
	}
	r := s.roomAt(li, x, y)
	return r, r >= 0
}

// throughDoor reports whether the segment from a to b goes from room ra to
// room rb through a door: it passes within tol meters of one of their door
// openings.
func (s *site) throughDoor(ra, rb int, ax, ay, bx, by, tol float64) bool {
	for _, d := range s.doors[pairKey(ra, rb)] {
		if floorplans.SegmentDistance(orb.Point{ax, ay}, orb.Point{bx, by}, d[0], d[1]) <= tol {
			return true
		}
	}
	return false
}

// contains reports whether (x, y) lies in the room, its boundary included
// (floorplans.RingContains).
func (r *siteRoom) contains(x, y float64) bool {
	if x < r.bound.Min[0] || x > r.bound.Max[0] || y < r.bound.Min[1] || y > r.bound.Max[1] {
		return false
	}
	return r.rect || floorplans.RingContains(r.ring, orb.Point{x, y})
}

// isRect reports whether a closed ring is an axis-aligned rectangle, the
// common case of a room, whose containment test is its bound's.
func isRect(ring orb.Ring) bool {
	if len(ring) != 5 || ring[0] != ring[4] {
		return false
	}
	for i := 0; i < 4; i++ {
		a, b := ring[i], ring[i+1]
		if a == b || (a[0] != b[0] && a[1] != b[1]) {
			return false
		}
	}
	// alternate horizontal and vertical edges
	return (ring[0][0] == ring[1][0]) != (ring[1][0] == ring[2][0])
}

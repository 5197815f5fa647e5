package location

import (
	"math"

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
}

type siteLevel struct {
	id      string
	ordinal int
	elev    float64
	outline orb.Ring
	bound   orb.Bound
	grid    roomGrid
	rooms   []int // room indices on this level
	readers []int // reader indices on this level
}

type siteRoom struct {
	id       string
	level    int
	ring     orb.Ring
	bound    orb.Bound
	rect     bool  // the ring is its bound: containment is a bound check
	vertical bool  // a lift or stairs: tags change level here
	links    []int // vertical rooms of other levels stacked over this one
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

type segment struct{ ax, ay, bx, by float64 }

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
		s.levels[i].grid = newRoomGrid(s, i)
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
			s.doors[k] = append(s.doors[k], segment{d.Line[i-1][0], d.Line[i-1][1], d.Line[i][0], d.Line[i][1]})
		}
	}
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
	s.buildWallGrids(cfg.MaxWalls)
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
				if planar.RingContains(o.ring, c) {
					r.links = append(r.links, j)
				}
			}
		}
	}
}

// roomAt returns the index of the room containing (x, y) on level li, or -1.
func (s *site) roomAt(li int, x, y float64) int {
	l := &s.levels[li]
	for _, ri := range l.grid.candidates(x, y) {
		if s.rooms[ri].contains(x, y) {
			return int(ri)
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
		return -1, ringContains(l.outline, x, y)
	}
	r := s.roomAt(li, x, y)
	return r, r >= 0
}

// throughDoor reports whether the segment from a to b goes from room ra to
// room rb through a door: it passes within tol meters of one of their door
// openings.
func (s *site) throughDoor(ra, rb int, ax, ay, bx, by, tol float64) bool {
	for _, d := range s.doors[pairKey(ra, rb)] {
		if segDist(ax, ay, bx, by, d) <= tol {
			return true
		}
	}
	return false
}

// contains reports whether (x, y) lies in the room.
func (r *siteRoom) contains(x, y float64) bool {
	if x < r.bound.Min[0] || x > r.bound.Max[0] || y < r.bound.Min[1] || y > r.bound.Max[1] {
		return false
	}
	return r.rect || ringContains(r.ring, x, y)
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

// ringContains is the even-odd rule on a closed ring.
func ringContains(ring orb.Ring, x, y float64) bool {
	in := false
	j := len(ring) - 1
	for i := 0; i < len(ring); i++ {
		xi, yi := ring[i][0], ring[i][1]
		xj, yj := ring[j][0], ring[j][1]
		if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
			in = !in
		}
		j = i
	}
	return in
}

// segDist is the distance between segment a-b and segment d.
func segDist(ax, ay, bx, by float64, d segment) float64 {
	if segmentsIntersect(ax, ay, bx, by, d.ax, d.ay, d.bx, d.by) {
		return 0
	}
	return math.Min(math.Min(pointSeg(ax, ay, d.ax, d.ay, d.bx, d.by), pointSeg(bx, by, d.ax, d.ay, d.bx, d.by)),
		math.Min(pointSeg(d.ax, d.ay, ax, ay, bx, by), pointSeg(d.bx, d.by, ax, ay, bx, by)))
}

func pointSeg(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = math.Max(0, math.Min(1, ((px-ax)*dx+(py-ay)*dy)/l2))
	}
	return math.Hypot(px-(ax+t*dx), py-(ay+t*dy))
}

func segmentsIntersect(ax, ay, bx, by, cx, cy, dx, dy float64) bool {
	d1 := cross(cx, cy, dx, dy, ax, ay)
	d2 := cross(cx, cy, dx, dy, bx, by)
	d3 := cross(ax, ay, bx, by, cx, cy)
	d4 := cross(ax, ay, bx, by, dx, dy)
	return ((d1 > 0) != (d2 > 0)) && ((d3 > 0) != (d4 > 0)) && d1 != 0 && d2 != 0 && d3 != 0 && d4 != 0
}

func cross(ax, ay, bx, by, px, py float64) float64 {
	return (bx-ax)*(py-ay) - (by-ay)*(px-ax)
}

// Package floorplans loads, validates and indexes site floorplans: levels,
// rooms, doors, readers and zones in planar site-local meters (see
// ../shared/FORMATS.md). It knows nothing of transports or storage.
//
// It is also the one geometry kernel of the tree, over orb and orb/planar:
// RingContains and PolygonContains, SegmentsMeet, SegmentIntersection and
// the distances, Grid (items by bound) and CleanPolygon. Everything that
// asks whether a point is in a room or zone asks it here, under one rule:
//
// Polygons are closed. A point on an edge or a vertex of a ring (within
// 1e-9 m of it) is inside, whether the ring is the outer ring or a hole;
// elsewhere the even-odd rule decides. Where two rooms share an edge, a
// point on it is in both, and Plan.RoomAt returns the one first in the
// plan. Points with a NaN or infinite coordinate are in nothing.
package floorplans

import "github.com/paulmach/orb"

// ReaderKind says how a reader observes tags.
type ReaderKind string

// Reader kinds of FORMATS.md.
const (
	KindBLE        ReaderKind = "ble"         // BLE gateway or fixed beacon: ranges by RSSI
	KindRFIDActive ReaderKind = "rfid_active" // active RFID reader: ranges by RSSI
	KindRFIDPortal ReaderKind = "rfid_portal" // choke-point antenna: a read is presence in Zone
)

// Ranging reports whether the reader's RSSI can be turned into a distance.
func (k ReaderKind) Ranging() bool { return k == KindBLE || k == KindRFIDActive }

// Plan is one validated site floorplan (or several merged). It is immutable
// once loaded and safe for concurrent reads.
type Plan struct {
	Levels  []*Level
	Rooms   []*Room
	Doors   []*Door
	Readers []*Reader
	Zones   []*Zone
	// Units are the hospital units, sorted by id (unit.go).
	Units []*Unit

	levels  map[string]*Level
	rooms   map[string]*Room
	readers map[string]*Reader
	zones   map[string]*Zone
	units   map[string]*Unit
	// neighbors maps a room id to the ids of rooms a door connects it to.
	neighbors map[string][]string
	// byLevel maps a level id to its features and spatial grids.
	byLevel map[string]*levelIndex
	// byOrdinal maps a level ordinal to its level.
	byOrdinal map[int]*Level
	// doors maps an unordered pair of room ids to the doors between them.
	doors map[roomPair][]*Door
}

// Level is one storey of the site.
type Level struct {
	ID         string
	Name       string
	Ordinal    int
	ElevationM float64
	Outline    orb.Polygon
}

// Room is a polygon on a level. Rooms of one level do not overlap.
type Room struct {
	ID       string
	Name     string
	Level    string
	Category string
	// Unit is the id of the hospital unit ("4W") the room belongs to (its
	// unit property, or the unit feature listing it); "" when none.
	Unit     string
	Polygon  orb.Polygon
	Bound    orb.Bound
	Centroid orb.Point
	AreaM2   float64
}

// Door is an opening between two rooms of one level.
type Door struct {
	Index    int // feature index in its file
	Level    string
	Line     orb.LineString
	Mid      orb.Point
	Connects [2]string
}

// Reader is a fixed radio reference with a known position.
type Reader struct {
	ID    string
	Level string
	Kind  ReaderKind
	Point orb.Point
	// HeightM is the antenna height above the floor.
	HeightM float64
	// RSSIAt1m and PathLossExponent are the nominal log-distance model for
	// ranging readers: rssi(d) = RSSIAt1m - 10 n log10(d).
	RSSIAt1m         float64
	PathLossExponent float64
	// Zone is the room or zone id an rfid_portal covers.
	Zone string
}

// Zone is a named geofence polygon drawn on the plan that is not a room.
type Zone struct {
	ID      string
	Name    string
	Level   string
	Polygon orb.Polygon
	Bound   orb.Bound
}

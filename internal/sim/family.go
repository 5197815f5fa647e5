package sim

import (
	"fmt"
	"math"
	"time"

	"github.com/paulmach/orb"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/jsonl"
)

// Layout is how a generated level is divided.
type Layout string

// Layouts of Building levels.
const (
	// Cellular: two rows of rooms off a central corridor, a door each.
	Cellular Layout = "cellular"
	// OpenPlan: one open hall where the south rooms and the corridor would
	// be, with a row of small rooms (nurse station, storage, lift) off it.
	OpenPlan Layout = "open"
)

// Building describes a generated floorplan: its levels' layouts, the rooms
// per row and how densely readers are placed. Every reader carries the
// same nominal calibration (-59 dBm at 1 m, exponent 2): what an installer
// writes down, whatever the building's true radio.
type Building struct {
	Levels []Layout
	// RoomsPerRow is the number of rooms along each side of the corridor.
	RoomsPerRow int
	// ReaderEvery places a reader in every n-th room (1: one per room, 3:
	// one per three rooms); corridors and halls get readers at the same
	// density per area.
	ReaderEvery int
	// Portals puts an RFID portal on every storage room.
	Portals bool
}

// Room and reader geometry of generated buildings (meters).
const (
	famRoomW      = 5.5 // room width along the corridor
	famRoomD      = 6.0 // room depth
	famCorridorW  = 2.6
	famWall       = 0.2 // rooms are inset by half of it: walls have thickness
	famDoorW      = 1.2
	famReaderH    = 2.7
	famNominalA   = -59.0
	famNominalExp = 2.0
	famStoreyM    = 4.0
)

// Plan builds the building's floorplan.
func (b Building) Plan() (*floorplans.Plan, error) {
	if len(b.Levels) == 0 || b.RoomsPerRow < 3 || b.ReaderEvery < 1 {
		return nil, fmt.Errorf("%w: building needs levels, at least 3 rooms per row and ReaderEvery >= 1", ErrConfig)
	}
	var g planGen
	for i, lay := range b.Levels {
		g.level(b, i, lay)
	}
	return floorplans.New(g.levels, g.rooms, g.doors, g.readers, nil)
}

// planGen accumulates the features of a generated plan.
type planGen struct {
	levels  []*floorplans.Level
	rooms   []*floorplans.Room
	doors   []*floorplans.Door
	readers []*floorplans.Reader
}

func rect(x0, y0, x1, y1 float64) orb.Polygon {
	h := famWall / 2
	return orb.Polygon{{{x0 + h, y0 + h}, {x1 - h, y0 + h}, {x1 - h, y1 - h}, {x0 + h, y1 - h}, {x0 + h, y0 + h}}}
}

// level adds level i with the given layout.
func (g *planGen) level(b Building, i int, lay Layout) {
	n := b.RoomsPerRow
	lv := fmt.Sprintf("L%d", i)
	w := float64(n) * famRoomW
	yc0, yc1 := famRoomD, famRoomD+famCorridorW // corridor band
	h := yc1 + famRoomD
	g.levels = append(g.levels, &floorplans.Level{ID: lv, Name: lv, Ordinal: i, ElevationM: float64(i) * famStoreyM,
		Outline: orb.Polygon{{{0, 0}, {w, 0}, {w, h}, {0, h}, {0, 0}}}})
	reader := func(id string, x, y float64) {
		g.readers = append(g.readers, &floorplans.Reader{ID: id, Level: lv, Kind: floorplans.KindBLE, Point: orb.Point{x, y},
			HeightM: famReaderH, RSSIAt1m: famNominalA, PathLossExponent: famNominalExp})
	}
	door := func(x, y float64, a, c string) {
		g.doors = append(g.doors, &floorplans.Door{Index: len(g.doors), Level: lv,
			Line: orb.LineString{{x - famDoorW/2, y}, {x + famDoorW/2, y}}, Connects: [2]string{a, c}})
	}
	room := func(id, cat string, p orb.Polygon) {
		g.rooms = append(g.rooms, &floorplans.Room{ID: id, Name: id, Level: lv, Category: cat, Polygon: p})
	}
	hub := lv + "-COR"
	if lay == OpenPlan {
		hub = lv + "-HALL"
		room(hub, "patient_room", rect(0, 0, w, yc1))
		// readers on a grid, one per ReaderEvery rooms' area
		step := math.Sqrt(float64(b.ReaderEvery) * famRoomW * famRoomD)
		nx, ny := max(1, int(math.Round(w/step))), max(1, int(math.Round(yc1/step)))
		for iy := range ny {
			for ix := range nx {
				reader(fmt.Sprintf("R-%s-H%d%d", lv, ix, iy), (float64(ix)+0.5)*w/float64(nx), (float64(iy)+0.5)*yc1/float64(ny))
			}
		}
	} else {
		room(hub, "corridor", rect(0, yc0, w, yc1))
		// corridor readers at the rooms' density along it
		nc := max(1, int(math.Round(float64(n)/float64(3*b.ReaderEvery))))
		for k := range nc {
			reader(fmt.Sprintf("R-%s-C%d", lv, k), (float64(k)+0.5)*w/float64(nc), (yc0+yc1)/2)
		}
		for k := range n {
			id := fmt.Sprintf("%s-S%02d", lv, k)
			cat := "patient_room"
			if k == 0 {
				cat = "storage"
			}
			room(id, cat, rect(float64(k)*famRoomW, 0, float64(k+1)*famRoomW, yc0))
			door((float64(k)+0.5)*famRoomW, yc0, id, hub)
			if k%b.ReaderEvery == 0 {
				reader("R-"+id, (float64(k)+0.5)*famRoomW, famRoomD/2)
			}
			if cat == "storage" && b.Portals {
				g.portal(lv, id, (float64(k)+0.5)*famRoomW, famRoomD/2)
			}
		}
	}
	for k := range n {
		id := fmt.Sprintf("%s-N%02d", lv, k)
		cat := "patient_room"
		switch {
		case k == 0:
			cat = "nurse_station"
		case k == 1:
			cat = "clean_utility"
		case k == n-1:
			cat = "elevator"
		case lay == OpenPlan && k == 2:
			cat = "storage"
		}
		room(id, cat, rect(float64(k)*famRoomW, yc1, float64(k+1)*famRoomW, h))
		door((float64(k)+0.5)*famRoomW, yc1, id, hub)
		// the north row's readers are staggered against the south row's
		if (k+b.ReaderEvery/2)%b.ReaderEvery == 0 {
			reader("R-"+id, (float64(k)+0.5)*famRoomW, yc1+famRoomD/2)
		}
		if cat == "storage" && b.Portals {
			g.portal(lv, id, (float64(k)+0.5)*famRoomW, yc1+famRoomD/2)
		}
	}
}

// portal adds an RFID portal covering room.
func (g *planGen) portal(lv, room string, x, y float64) {
	g.readers = append(g.readers, &floorplans.Reader{ID: "P-" + room, Level: lv, Kind: floorplans.KindRFIDPortal,
		Point: orb.Point{x, y}, HeightM: famReaderH, Zone: room})
}

// Member is one building of the robustness family: a floorplan, the true
// radio the simulation runs (which the plan's nominal calibration does
// not describe), the tags and how long they are simulated.
type Member struct {
	Name     string
	Building Building
	// Radio holds the true radio and the faults; the family's members
	// differ in WallLossDB, PathLossExponent, CalibSigmaDB (per-reader
	// offsets), ShadowSigmaDB and the readers' outages.
	Radio    Config
	Tags     int // a third each staff, assets (pumps), patients
	Duration time.Duration
}

// Family returns the robustness family: buildings with fixed seeds that
// differ in what matters to localization. Wall loss spans 2-12 dB per
// wall, the path loss exponent 1.6-3.5, per-reader offsets a spread of
// 1.5-4 dB (drawn offsets reach ±8 dB), shadowing 3-9 dB, readers one per
// room to one per three rooms, cellular wards and open-plan levels, one to
// three levels, readers silent for minutes; assets beacon every 5 s when
// still and every second when moving, staff walk room to room.
func Family() []Member {
	type radio struct {
		wall, exp, calib, shadow, fail float64
	}
	mk := func(name string, seed uint64, b Building, r radio) Member {
		cfg := DefaultConfig(seed)
		cfg.WallLossDB, cfg.PathLossExponent, cfg.CalibSigmaDB, cfg.ShadowSigmaDB = r.wall, r.exp, r.calib, r.shadow
		cfg.ReaderFailureFraction = r.fail
		cfg.ReaderOutageMean = 4 * time.Minute
		return Member{Name: name, Building: b, Radio: cfg, Tags: 24, Duration: 15 * time.Minute}
	}
	cell := func(levels int) []Layout {
		l := make([]Layout, levels)
		for i := range l {
			l[i] = Cellular
		}
		return l
	}
	return []Member{
		mk("light-walls", 101, Building{Levels: cell(1), RoomsPerRow: 9, ReaderEvery: 1},
			radio{wall: 2, exp: 1.8, calib: 1.5, shadow: 3, fail: 0.02}),
		mk("heavy-walls", 102, Building{Levels: cell(1), RoomsPerRow: 9, ReaderEvery: 1},
			radio{wall: 12, exp: 2.2, calib: 3, shadow: 6, fail: 0.02}),
		mk("sparse-readers", 103, Building{Levels: cell(1), RoomsPerRow: 10, ReaderEvery: 3},
			radio{wall: 6, exp: 2.6, calib: 3, shadow: 5, fail: 0.02}),
		mk("open-plan", 104, Building{Levels: []Layout{OpenPlan}, RoomsPerRow: 8, ReaderEvery: 2},
			radio{wall: 4, exp: 1.6, calib: 2, shadow: 4, fail: 0.02}),
		mk("harsh-two-levels", 105, Building{Levels: cell(2), RoomsPerRow: 8, ReaderEvery: 2, Portals: true},
			radio{wall: 9, exp: 3.0, calib: 4, shadow: 7, fail: 0.08}),
		mk("mixed-three-levels", 106, Building{Levels: []Layout{Cellular, OpenPlan, Cellular}, RoomsPerRow: 7, ReaderEvery: 2},
			radio{wall: 5, exp: 2.4, calib: 2.5, shadow: 5, fail: 0.04}),
		mk("steep-noisy", 107, Building{Levels: cell(1), RoomsPerRow: 9, ReaderEvery: 1},
			radio{wall: 3, exp: 3.5, calib: 4, shadow: 9, fail: 0.02}),
		mk("open-sparse", 108, Building{Levels: []Layout{OpenPlan}, RoomsPerRow: 9, ReaderEvery: 3},
			radio{wall: 8, exp: 2.0, calib: 3, shadow: 6, fail: 0.02}),
		mk("outages", 109, Building{Levels: cell(1), RoomsPerRow: 9, ReaderEvery: 1, Portals: true},
			radio{wall: 6, exp: 2.2, calib: 2, shadow: 4, fail: 0.15}),
	}
}

// Run simulates the member: its sightings in arrival order (late ones and
// duplicates included) and one truth row per tag per second.
func (m Member) Run() (*floorplans.Plan, []location.Sighting, []jsonl.TruthRow, error) {
	plan, err := m.Building.Plan()
	if err != nil {
		return nil, nil, nil, err
	}
	s, err := New(plan, Generate(nil, m.Tags), m.Radio)
	if err != nil {
		return nil, nil, nil, err
	}
	var ss []location.Sighting
	var truth []jsonl.TruthRow
	for el := time.Duration(0); el < m.Duration; el += datasetStep {
		s.Step(datasetStep)
		ss = append(ss, s.Sightings()...)
		if (el+datasetStep)%time.Second == 0 {
			truth = append(truth, s.Truth()...)
		}
	}
	return plan, ss, truth, nil
}

package floorplans

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Nominal model limits of FORMATS.md readers.
const (
	minRSSIAt1m = -120.0
	maxRSSIAt1m = 0.0
	minPLE      = 0.5 // exclusive
	maxPLE      = 8.0
)

func (f *features) checkRoom(p *Plan, r *Room) {
	f.required(r, "name", r.Name)
	f.required(r, "category", r.Category)
	f.checkLevelRef(p, r, r.Level)
	if f.checkPolygon(r, r.Polygon) {
		r.Bound = r.Polygon.Bound()
		r.Centroid, r.AreaM2 = planar.CentroidArea(r.Polygon)
	}
}

func (f *features) checkZone(p *Plan, z *Zone) {
	f.required(z, "name", z.Name)
	f.checkLevelRef(p, z, z.Level)
	if f.checkPolygon(z, z.Polygon) {
		z.Bound = z.Polygon.Bound()
	}
}

func (f *features) checkDoor(p *Plan, d *Door) {
	levelOK := f.checkLevelRef(p, d, d.Level)
	f.checkConnects(p, d, levelOK)
	if !f.usable(d, "geometry") {
		return
	}
	switch msg := coordProblem(d.Line...); {
	case msg != "":
		f.fail(d, "geometry", msg)
	case len(d.Line) < 2:
		f.fail(d, "geometry", fmt.Sprintf("line has %d points, need at least 2", len(d.Line)))
	case planar.Length(d.Line) == 0:
		f.fail(d, "geometry", "line has zero length")
	default:
		d.Mid = alongLine(d.Line, planar.Length(d.Line)/2)
	}
}

// checkConnects checks that a door joins two distinct known rooms of its level.
func (f *features) checkConnects(p *Plan, d *Door, levelOK bool) {
	if !f.usable(d, "connects") {
		return
	}
	a, b := d.Connects[0], d.Connects[1]
	if a == "" || b == "" || a == b {
		f.fail(d, "connects", "want 2 distinct room ids")
		return
	}
	for _, id := range d.Connects {
		r, ok := p.rooms[id]
		switch {
		case !ok:
			f.fail(d, "connects", fmt.Sprintf("unknown room %q", id))
		case levelOK && r.Level != d.Level:
			f.fail(d, "connects", fmt.Sprintf("room %s is on level %s, the door on %s", id, r.Level, d.Level))
		}
	}
}

// alongLine returns the point at distance s along the line.
func alongLine(ls orb.LineString, s float64) orb.Point {
	for i := 1; i < len(ls); i++ {
		l := planar.Distance(ls[i-1], ls[i])
		if s <= l && l > 0 {
			t := s / l
			return orb.Point{ls[i-1][0] + t*(ls[i][0]-ls[i-1][0]), ls[i-1][1] + t*(ls[i][1]-ls[i-1][1])}
		}
		s -= l
	}
	return ls[len(ls)-1]
}

func (f *features) checkReader(p *Plan, r *Reader) {
	levelOK := f.checkLevelRef(p, r, r.Level)
	f.checkReaderModel(r)
	if r.Kind == KindRFIDPortal {
		f.checkPortalZone(p, r, levelOK)
	}
	if !f.usable(r, "geometry") {
		return
	}
	if msg := coordProblem(r.Point); msg != "" {
		f.fail(r, "geometry", msg)
		return
	}
	if l := p.levels[r.Level]; levelOK && f.usable(l, "geometry") && !PolygonContains(l.Outline, r.Point) {
		f.fail(r, "geometry", fmt.Sprintf("outside the outline of level %s", l.ID))
	}
}

// checkReaderModel checks kind, height and the nominal ranging model.
func (f *features) checkReaderModel(r *Reader) {
	f.required(r, "kind", string(r.Kind))
	switch r.Kind {
	case KindBLE, KindRFIDActive, KindRFIDPortal, "":
	default:
		f.fail(r, "kind", fmt.Sprintf("unknown kind %q (want ble, rfid_active or rfid_portal)", r.Kind))
	}
	if !(r.HeightM >= 0) || math.IsInf(r.HeightM, 0) {
		f.fail(r, "height_m", fmt.Sprintf("%v: want a finite height >= 0", r.HeightM))
	}
	if !r.Kind.Ranging() {
		return
	}
	if v := r.RSSIAt1m; f.usable(r, "rssi_at_1m") && !(v >= minRSSIAt1m && v <= maxRSSIAt1m) {
		f.fail(r, "rssi_at_1m", fmt.Sprintf("%v dBm outside %v..%v", v, minRSSIAt1m, maxRSSIAt1m))
	}
	if v := r.PathLossExponent; f.usable(r, "path_loss_exponent") && !(v > minPLE && v <= maxPLE) {
		f.fail(r, "path_loss_exponent", fmt.Sprintf("%v outside (%v, %v]", v, minPLE, maxPLE))
	}
}

// checkPortalZone checks that an rfid_portal covers a room or zone of its level.
func (f *features) checkPortalZone(p *Plan, r *Reader, levelOK bool) {
	if r.Zone == "" {
		if f.usable(r, "zone") {
			f.fail(r, "zone", "missing (required for an rfid_portal)")
		}
		return
	}
	level, ok := "", false
	if room, isRoom := p.rooms[r.Zone]; isRoom {
		level, ok = room.Level, true
	} else if z, isZone := p.zones[r.Zone]; isZone {
		level, ok = z.Level, true
	}
	switch {
	case !ok:
		f.fail(r, "zone", fmt.Sprintf("unknown room or zone %q", r.Zone))
	case levelOK && level != r.Level:
		f.fail(r, "zone", fmt.Sprintf("%s is on level %s, the reader on %s", r.Zone, level, r.Level))
	}
}

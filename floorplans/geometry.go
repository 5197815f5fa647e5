package floorplans

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/paulmach/orb"
)

// number is a JSON number; a number too large for float64 decodes as ±Inf
// so that validation reports it as non-finite.
type number float64

var errNotNumber = errors.New("floorplans: not a number")

// UnmarshalJSON accepts JSON numbers only (no strings, no null).
func (n *number) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || (b[0] != '-' && (b[0] < '0' || b[0] > '9')) {
		return errNotNumber
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return errNotNumber
	}
	*n = number(v)
	return nil
}

// rawGeometry is a GeoJSON geometry before its coordinates are read.
type rawGeometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// geometry decodes the geometry member and checks its type; it returns
// the raw coordinates, or nil after reporting a problem.
func (p *props) geometry(raw json.RawMessage, want string) json.RawMessage {
	if isNull(raw) {
		p.geomProblem("missing")
		return nil
	}
	var g rawGeometry
	if err := json.Unmarshal(raw, &g); err != nil {
		p.geomProblem("want a GeoJSON geometry object")
		return nil
	}
	if g.Type != want {
		p.geomProblem(fmt.Sprintf("want %s, got %q", want, g.Type))
		return nil
	}
	if isNull(g.Coordinates) {
		p.geomProblem("coordinates missing")
		return nil
	}
	return g.Coordinates
}

func (p *props) point(raw json.RawMessage) orb.Point {
	c := p.geometry(raw, "Point")
	if c == nil {
		return orb.Point{}
	}
	var pos []number
	if json.Unmarshal(c, &pos) != nil || len(pos) < 2 {
		p.geomProblem("coordinates: want a position [x, y]")
		return orb.Point{}
	}
	return toPoint(pos)
}

func (p *props) lineString(raw json.RawMessage) orb.LineString {
	c := p.geometry(raw, "LineString")
	if c == nil {
		return nil
	}
	var line [][]number
	ls, ok := orb.LineString(nil), json.Unmarshal(c, &line) == nil
	for _, pos := range line {
		ok = ok && len(pos) >= 2
		ls = append(ls, toPoint(pos))
	}
	if !ok {
		p.geomProblem("coordinates: want an array of positions [x, y]")
		return nil
	}
	return ls
}

func (p *props) polygon(raw json.RawMessage) orb.Polygon {
	c := p.geometry(raw, "Polygon")
	if c == nil {
		return nil
	}
	var rings [][][]number
	poly, ok := orb.Polygon(nil), json.Unmarshal(c, &rings) == nil
	for _, ring := range rings {
		r := make(orb.Ring, 0, len(ring))
		for _, pos := range ring {
			ok = ok && len(pos) >= 2
			r = append(r, toPoint(pos))
		}
		poly = append(poly, r)
	}
	if !ok {
		p.geomProblem("coordinates: want an array of rings of positions [x, y]")
		return nil
	}
	return poly
}

// toPoint takes x and y of a position of at least two numbers.
func toPoint(pos []number) orb.Point {
	if len(pos) < 2 {
		return orb.Point{}
	}
	return orb.Point{float64(pos[0]), float64(pos[1])}
}

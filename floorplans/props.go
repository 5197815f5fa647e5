package floorplans

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/paulmach/orb"
)

// props reads the properties and geometry of one feature, reporting
// problems against it.
type props struct {
	f     *features
	o     origin
	typ   string
	label string
	m     map[string]json.RawMessage
	// bad holds the fields ("geometry", "level") with a reported problem.
	bad []string
}

// register records where x was read and which of its fields must not be
// checked again.
func (p *props) register(x any) {
	p.f.origins[x] = p.o
	for _, field := range p.bad {
		p.f.skip[fieldKey{x, field}] = true
	}
}

// geomProblem reports a problem with the geometry.
func (p *props) geomProblem(msg string) {
	p.bad = append(p.bad, "geometry")
	p.problem("geometry", msg)
}

// propProblem reports a problem with properties.key.
func (p *props) propProblem(key, msg string) {
	p.bad = append(p.bad, key)
	p.problem("properties."+key, msg)
}

// load decodes the properties object; false when there is none to read.
func (p *props) load(raw json.RawMessage) bool {
	if isNull(raw) {
		p.problem("properties", "missing")
		return false
	}
	if err := json.Unmarshal(raw, &p.m); err != nil {
		p.problem("properties", "want an object")
		return false
	}
	var id string
	if json.Unmarshal(p.m["id"], &id) == nil && id != "" {
		p.label = id
	}
	return true
}

func (p *props) problem(field, msg string) {
	p.f.report(p.o, p.typ, p.label, field, msg)
}

// isNull reports whether a member is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// str returns a string property, "" when absent or not a string (a
// problem). Validation reports required strings that are empty.
func (p *props) str(key string) string {
	raw := p.m[key]
	if isNull(raw) {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		p.propProblem(key, "want a string")
		return ""
	}
	return s
}

// number returns a numeric property and whether it was present.
func (p *props) number(key string, required bool) (float64, bool) {
	raw := p.m[key]
	if isNull(raw) {
		if required {
			p.propProblem(key, "missing")
		}
		return 0, false
	}
	var n number
	if err := json.Unmarshal(raw, &n); err != nil {
		p.propProblem(key, "want a number")
		return 0, false
	}
	return float64(n), true
}

// integer returns an integral numeric property and whether it was present.
func (p *props) integer(key string, required bool) (int, bool) {
	v, ok := p.number(key, required)
	if !ok {
		return 0, false
	}
	if v != math.Trunc(v) || math.Abs(v) > 1e9 {
		p.propProblem(key, "want an integer")
		return 0, false
	}
	return int(v), true
}

// pair returns a property holding an array of exactly two strings.
func (p *props) pair(key string) [2]string {
	raw := p.m[key]
	if isNull(raw) {
		p.propProblem(key, "missing")
		return [2]string{}
	}
	var ids []string
	if err := json.Unmarshal(raw, &ids); err != nil || len(ids) != 2 {
		p.propProblem(key, "want 2 distinct room ids")
		return [2]string{}
	}
	return [2]string{ids[0], ids[1]}
}

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

package floorplans

import (
	"encoding/json"
	"math"
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

package floorplans

import (
	"errors"
	"strings"
)

// ErrInvalid is matched (errors.Is) by every *ValidationError: the plan was
// read but its content breaks FORMATS.md.
var ErrInvalid = errors.New("floorplans: invalid plan")

// ErrNoFiles is returned by LoadPaths when the paths hold no plan file.
var ErrNoFiles = errors.New("floorplans: no plan files")

// Problem is one defect found in a plan.
type Problem struct {
	// Source names the file (or the source given to Parse).
	Source string
	// Type is the feature's properties.type when known ("room", ...).
	Type string
	// Feature is the feature's id, or "#12" (its index in the file's
	// features array) when it has none; empty for file-level problems.
	Feature string
	// Field is the JSON path of the offending member, e.g.
	// "properties.level" or "geometry"; empty when the whole feature or
	// file is at fault.
	Field string
	// Msg says what is wrong.
	Msg string
}

// String formats the problem as "source: type feature: field: msg",
// leaving out the empty parts.
func (p Problem) String() string {
	var b strings.Builder
	add := func(s string) {
		if s == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(s)
	}
	add(p.Source)
	add(strings.TrimSpace(p.Type + " " + p.Feature))
	add(p.Field)
	add(p.Msg)
	return b.String()
}

// ValidationError lists every problem found in a plan, in file order.
type ValidationError struct {
	Problems []Problem
}

// Error lists the problems one per line, each prefixed with the package
// name, e.g. "floorplans: plan.geojson: room L0-S01: geometry: ring not closed".
func (e *ValidationError) Error() string {
	if len(e.Problems) == 0 {
		return ErrInvalid.Error()
	}
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = "floorplans: " + p.String()
	}
	return strings.Join(lines, "\n")
}

// Is reports whether target is ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

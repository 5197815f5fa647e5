package sim

import "strings"

// kind is a room category the behaviours know.
type kind int

const (
	kindOther kind = iota
	kindPatient
	kindICU
	kindNurse
	kindStorage
	kindClean
	kindSoiled
	kindCorridor
	kindElevator
	kindStairs
	kindExit
	numKinds
)

// kindOf maps a FORMATS.md room category to a kind.
func kindOf(category string) kind {
	c := strings.ToLower(category)
	switch {
	case c == "patient_room":
		return kindPatient
	case c == "icu":
		return kindICU
	case c == "nurse_station":
		return kindNurse
	case c == "storage":
		return kindStorage
	case c == "clean_utility":
		return kindClean
	case c == "soiled_utility":
		return kindSoiled
	case c == "corridor" || c == "hallway":
		return kindCorridor
	case strings.Contains(c, "elevator") || strings.Contains(c, "lift"):
		return kindElevator
	case strings.Contains(c, "stair"):
		return kindStairs
	case c == "exit":
		return kindExit
	}
	return kindOther
}

// connector reports whether tags change level in rooms of kind k.
func (k kind) connector() bool { return k == kindElevator || k == kindStairs }

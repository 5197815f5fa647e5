package route

import (
	"fmt"
	"math"
)

// Options are the costs, in meters of walking, of moving between levels.
// A field left zero takes its default; a negative StairsPerLevelM or LiftM
// takes that kind of connector out of the graph (e.g. for a bed or a pump
// on a stand, which cannot be carried up stairs).
type Options struct {
	// StairsPerLevelM is the cost of climbing or descending one level by
	// stairs. Default 20 m: some 18 s a flight, at the 1.2 m/s a walker
	// would cover meanwhile.
	StairsPerLevelM float64
	// LiftM is the fixed cost of a lift ride: waiting for the car and its
	// doors. Default 30 m (about 25 s).
	LiftM float64
	// LiftPerLevelM is added to LiftM for every level the car travels.
	// Default 5 m (about 4 s a level). It must not be negative.
	LiftPerLevelM float64
}

// Default option values (see Options).
const (
	DefaultStairsPerLevelM = 20
	DefaultLiftM           = 30
	DefaultLiftPerLevelM   = 5
)

// withDefaults fills zero fields and checks the others.
func (o Options) withDefaults() (Options, error) {
	for _, f := range []struct {
		name string
		v    *float64
		def  float64
	}{
		{"StairsPerLevelM", &o.StairsPerLevelM, DefaultStairsPerLevelM},
		{"LiftM", &o.LiftM, DefaultLiftM},
		{"LiftPerLevelM", &o.LiftPerLevelM, DefaultLiftPerLevelM},
	} {
		if math.IsNaN(*f.v) || math.IsInf(*f.v, 0) {
			return o, fmt.Errorf("%w: %s: %v is not a finite number", ErrOptions, f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if o.LiftPerLevelM < 0 {
		return o, fmt.Errorf("%w: LiftPerLevelM: %v is negative", ErrOptions, o.LiftPerLevelM)
	}
	return o, nil
}

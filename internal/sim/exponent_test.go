package sim

import (
	"testing"
)

// TestPathLossExponentOverride checks that Config.PathLossExponent replaces
// the plan's nominal exponent as the readers' true one.
func TestPathLossExponentOverride(t *testing.T) {
	plan, err := Building{Levels: []Layout{Cellular}, RoomsPerRow: 4, ReaderEvery: 1}.Plan()
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig(1)
	cfg.ExponentSigma = 0
	cfg.PathLossExponent = 3.1
	s, err := New(plan, Generate(nil, 3), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range s.readers {
		if r.ranging && r.exp != 3.1 {
			t.Errorf("reader %s: exponent %g, want 3.1 (the plan says 2)", r.id, r.exp)
		}
	}
}

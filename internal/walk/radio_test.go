package walk

import (
	"testing"

	"github.com/paulmach/orb"
)

func TestHear(t *testing.T) {
	plan := clinic(t)
	r := NewRadio(plan)
	tests := []struct {
		name      string
		at        orb.Point
		strongest string
		rssi      float64 // of the strongest
	}{
		// under the reader: 1.5 m below it, -59 - 20 log10(1.5)
		{"room centre", orb.Point{19.25, 4}, "R-L0-S03", -62.5},
		{"corridor", orb.Point{22, 9.4}, "R-L0-C1", -62.5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := r.Hear(at(plan, "L0", tc.at))
			if len(got) < 3 {
				t.Fatalf("heard by %d readers, want several", len(got))
			}
			if got[0].Reader != tc.strongest || got[0].RSSI != tc.rssi {
				t.Fatalf("strongest %+v, want %s at %v", got[0], tc.strongest, tc.rssi)
			}
			for i, h := range got {
				if h.RSSI < r.MinRSSI || (i > 0 && h.RSSI > got[i-1].RSSI) {
					t.Fatalf("readings not strongest first above the floor: %+v", got)
				}
				if rd, _ := plan.Reader(h.Reader); !rd.Kind.Ranging() {
					t.Fatalf("portal %s reported", h.Reader)
				}
			}
		})
	}
	// A wall costs WallLossDB: S02's and S04's readers are as far from the
	// centre of S03, one of them heard through a wall either way.
	got := r.Hear(at(plan, "L0", orb.Point{19.25, 4}))
	var s02, s04 float64
	for _, h := range got {
		switch h.Reader {
		case "R-L0-S02":
			s02 = h.RSSI
		case "R-L0-S04":
			s04 = h.RSSI
		}
	}
	if s02 == 0 || s02 != s04 || s02 > -62.5-DefaultWallLossDB {
		t.Fatalf("neighbours through a wall: S02 %v, S04 %v", s02, s04)
	}
}

func TestBatches(t *testing.T) {
	plan := clinic(t)
	b := NewBatcher(NewRadio(plan))
	s03, _ := Stay(plan, "L0-S03", 1)
	var placed []Placed
	for i := range MaxPerBatch + 1 {
		placed = append(placed, Placed{Tag: string(rune('A'+i%26)) + string(rune('a'+i/26)), Step: s03[0]})
	}
	first := b.Batches(1000, placed)
	perReader := map[string]int{}
	for _, bt := range first {
		perReader[bt.Reader] += len(bt.Sightings)
		if len(bt.Sightings) > MaxPerBatch {
			t.Fatalf("batch of %d sightings", len(bt.Sightings))
		}
		for _, s := range bt.Sightings {
			if s.TS != 1000 {
				t.Fatalf("stamp %d, want 1000", s.TS)
			}
		}
	}
	if perReader["R-L0-S03"] != MaxPerBatch+1 {
		t.Fatalf("R-L0-S03 sent %d sightings, want %d", perReader["R-L0-S03"], MaxPerBatch+1)
	}
	second := b.Batches(2000, placed[:1])
	for _, bt := range second {
		if bt.Reader == "R-L0-S03" && bt.Seq != 3 {
			t.Fatalf("R-L0-S03's next batch has seq %d, want 3 (after two batches)", bt.Seq)
		}
	}
}

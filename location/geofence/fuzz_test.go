package geofence

import (
	"bytes"
	"os"
	"testing"
)

// seeds adds the files of testdata with the given names to f.
func seeds(f *testing.F, names ...string) {
	for _, n := range names {
		data, err := os.ReadFile("testdata/" + n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
}

func FuzzLoadRules(f *testing.F) {
	seeds(f, "rules.yaml", "rules.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []Format{FormatYAML, FormatJSON} {
			rules, err := LoadRules(bytes.NewReader(data), format)
			if err != nil {
				continue
			}
			for _, r := range rules {
				if err := Validate(r); err != nil {
					t.Fatalf("loaded an invalid rule: %v", err)
				}
			}
			if _, err := New(testPlan(t), Config{}, rules, nil); err != nil {
				t.Fatalf("loaded rules New rejects: %v", err)
			}
		}
	})
}

func FuzzLoadRegistry(f *testing.F) {
	seeds(f, "tags.csv", "tags.yaml", "tags.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []Format{FormatCSV, FormatYAML, FormatJSON} {
			reg, err := LoadRegistry(bytes.NewReader(data), format)
			if err != nil {
				continue
			}
			for _, tag := range reg.Tags() {
				if err := ValidateTag(tag); err != nil {
					t.Fatalf("loaded an invalid tag: %v", err)
				}
			}
		}
	})
}

func FuzzRestore(f *testing.F) {
	e := newTestEngine(f, Config{Zones: []Zone{bed}})
	run(e, interleave(inBED("S1", 0, 10), walk("P1", "COR", 0, 3), ticks(0, 5)))
	snap, err := e.Snapshot()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(snap)
	f.Fuzz(func(t *testing.T, data []byte) {
		e := newTestEngine(t, Config{}, Rule{ID: "d", Type: RuleDwell, ZoneID: "A", Duration: 1e9, Enabled: true})
		if err := e.Restore(data); err != nil {
			return
		}
		e.Tick(sec(20))
		e.Observe(at("S1", "COR", 21))
		e.Tick(sec(30))
		if _, err := e.Snapshot(); err != nil {
			t.Fatal(err)
		}
	})
}

package geofence

import (
	"bytes"
	"testing"
)

// FuzzRestoreParts feeds arbitrary bytes as a tag part and as the global
// part. RestoreParts must never panic; what it accepts must survive a
// snapshot round trip, and what it rejects must leave the state alone.
func FuzzRestoreParts(f *testing.F) {
	good := goodParts(f)
	for _, p := range good {
		f.Add(p, false)
		f.Add(p, true)
		f.Add(p[:len(p)/2], false)
	}
	f.Fuzz(func(t *testing.T, data []byte, global bool) {
		parts := partStore{}
		for k, v := range good {
			parts[k] = v
		}
		key := "PT-SECRET"
		if global {
			key = GlobalPart
		}
		parts[key] = data
		e := newTestEngine(t, Config{}, goodRules...)
		before, _ := e.Snapshot()
		if err := e.RestoreParts(parts); err != nil {
			if after, _ := e.Snapshot(); !bytes.Equal(before, after) {
				t.Fatal("a failed RestoreParts changed the state")
			}
			return
		}
		snap, err := e.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		c := newTestEngine(t, Config{}, goodRules...)
		if err := c.Restore(snap); err != nil {
			t.Fatalf("Restore rejects the snapshot of an engine restored from parts: %v", err)
		}
		e.Tick(1 << 40) // runs with what was restored
	})
}

package geofence

import (
	"bytes"
	"maps"
	"slices"
	"testing"
	"time"
)

// partStore keeps TakeDirty parts as a store does: merged, nil deleting.
type partStore map[string][]byte

// save merges the parts e has changed since the last call.
func (s partStore) save(e *Engine) {
	for k, v := range e.TakeDirty() {
		if v == nil {
			delete(s, k)
		} else {
			s[k] = v
		}
	}
}

// batchSizes are the numbers of steps between saves, in turn: the pipeline
// saves after batches of varying size.
var batchSizes = []int{1, 7, 2, 50, 3, 13}

// runSaving feeds steps to e, saving its parts into s after every batch and
// at the end, and returns every event.
func runSaving(e *Engine, steps []step, s partStore) []Event {
	var out []Event
	for i, b := 0, 0; i < len(steps); b++ {
		n := min(batchSizes[b%len(batchSizes)], len(steps)-i)
		out = append(out, run(e, steps[i:i+n])...)
		s.save(e)
		i += n
	}
	return out
}

// restartFromParts returns a new engine from mk restored from the saved
// parts, after checking that it holds exactly the state of old and that
// the restore changed nothing that would need saving.
func restartFromParts(t *testing.T, old *Engine, s partStore, mk func() *Engine) *Engine {
	t.Helper()
	e := mk()
	if err := e.RestoreParts(maps.Clone(s)); err != nil {
		t.Fatal(err)
	}
	want, _ := old.Snapshot()
	if got, _ := e.Snapshot(); !bytes.Equal(got, want) {
		t.Fatalf("state restored from parts differs:\n got %s\nwant %s", got, want)
	}
	if d := e.TakeDirty(); d != nil {
		t.Fatalf("restored engine has %d dirty parts, want none", len(d))
	}
	return e
}

func TestRestorePartsContinues(t *testing.T) {
	steps := clinicSteps(t)
	for _, set := range []struct {
		name  string
		rules []Rule
	}{{"default rules", nil}, {"every rule type", clinicRuleSet}} {
		t.Run(set.name, func(t *testing.T) {
			mk := func() *Engine { return newClinicEngine(t, set.rules, desk) }
			want := run(mk(), steps)
			checkClinicEvents(t, want, len(set.rules) > 0)
			splits := []int{0, 1, 997, len(steps) / 3, len(steps) / 2, len(steps) - 500, len(steps)}
			saved := partStore{}
			e := mk()
			var got []Event
			for i := 1; i < len(splits); i++ {
				got = append(got, runSaving(e, steps[splits[i-1]:splits[i]], saved)...)
				e = restartFromParts(t, e, saved, mk)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%d events, want %d; first difference at %d", len(got), len(want), firstDiff(got, want))
			}
		})
	}
}

func TestTakeDirtyTracksManagement(t *testing.T) {
	dwell := Rule{ID: "dwell", Type: RuleDwell, ZoneID: "A", Duration: minutes(0.1), Enabled: true}
	absent := Rule{ID: "absent", Type: RuleAbsence, Duration: minutes(0.1), Enabled: true}
	slow := Rule{ID: "slow", Type: RuleEnter, ZoneID: "A", Debounce: 5e9, Enabled: true}
	par := Rule{ID: "par", Type: RulePar, ZoneID: "ST", TagClass: "asset", MinCount: 2, Enabled: true}
	zone := Zone{ID: "DESK", Level: "L0", Category: "desk", Polygon: polygon(4.5, 1, 7.5, 7)}
	wide := Zone{ID: "DESK", Level: "L0", Category: "desk", Polygon: polygon(0.5, 1, 15.5, 7)}
	e := newTestEngine(t, Config{})
	saved := partStore{}
	check := func(what string) {
		t.Helper()
		saved.save(e)
		restartFromParts(t, e, saved, func() *Engine { return sameConfig(t, e) })
		if t.Failed() {
			t.Fatalf("after %s", what)
		}
	}
	steps := interleave(walk("S1", "A", 0, 30), walk("PUMP1", "ST", 0, 30), walk("WC1", "COR", 0, 10), ticks(0, 30))
	run(e, steps)
	check("observing")
	ops := []struct {
		what string
		do   func() error
	}{
		{"PutRule dwell", func() error { _, err := e.setRule(dwell, sec(30)); return err }},
		{"PutRule absence", func() error { _, err := e.setRule(absent, sec(30)); return err }},
		{"PutRule debounce", func() error { _, err := e.setRule(slow, sec(30)); return err }},
		{"PutRule par", func() error { _, err := e.setRule(par, sec(30)); return err }},
		{"PutZone", func() error { return e.setZone(zone) }},
		{"observe in zone", func() error { run(e, interleave(walk("WC1", "COR", 30, 40), ticks(30, 40))); return nil }},
		{"PutZone wider", func() error { return e.setZone(wide) }},
		{"DeleteRule", func() error { _, err := e.DeleteRule("slow", sec(40)); return err }},
		{"DeleteZone", func() error { _, err := e.DeleteZone("DESK", sec(40)); return err }},
		{"PutTag", func() error { _, _, err := e.PutTag(Tag{ID: "WC1", Class: "staff"}, 0); return err }},
		{"DeleteTag", func() error { return e.DeleteTag("PUMP1") }},
		{"SetRegistry", func() error { e.SetRegistry(testRegistry(t)); return nil }},
		{"ticks", func() error { run(e, ticks(40, 60)); return nil }},
	}
	for _, op := range ops {
		if err := op.do(); err != nil {
			t.Fatalf("%s: %v", op.what, err)
		}
		check(op.what)
	}
}

// sameConfig returns a fresh engine with the plan, rules, API zones and
// registry of e.
func sameConfig(t *testing.T, e *Engine) *Engine {
	t.Helper()
	var zones []Zone
	for _, z := range e.Zones("") {
		if !z.FromPlan {
			zones = append(zones, z)
		}
	}
	c, err := New(e.plan, Config{Debounce: ms(e.debounce), Warmup: ms(e.warmup), Zones: zones}, e.Rules(), e.Registry())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ms converts engine milliseconds to a Config duration (0 meaning none).
func ms(v int64) time.Duration {
	if v == 0 {
		return -1
	}
	return time.Duration(v) * time.Millisecond
}

func TestTakeDirtyOnlyChanges(t *testing.T) {
	e := newTestEngine(t, Config{})
	if d := e.TakeDirty(); d != nil {
		t.Fatalf("fresh engine: %d parts, want none", len(d))
	}
	run(e, interleave(walk("S1", "A", 0, 10), walk("S2", "B", 0, 10), ticks(0, 10)))
	if got := slices.Sorted(maps.Keys(e.TakeDirty())); !slices.Equal(got, []string{GlobalPart, "S1", "S2"}) {
		t.Fatalf("parts %q, want the global part, S1 and S2", got)
	}
	if d := e.TakeDirty(); d != nil {
		t.Fatalf("second call: %d parts, want none", len(d))
	}
	e.Observe(at("S1", "A", 5)) // replayed: ignored, changes nothing
	if d := e.TakeDirty(); d != nil {
		t.Fatalf("after a replayed position: %q", slices.Sorted(maps.Keys(d)))
	}
	e.Observe(at("S2", "B", 11))
	if got := slices.Sorted(maps.Keys(e.TakeDirty())); !slices.Equal(got, []string{"S2"}) {
		t.Fatalf("parts %q, want S2 only", got)
	}
}

func TestTakeDirtyAfterRestore(t *testing.T) {
	a := newTestEngine(t, Config{})
	run(a, interleave(walk("S1", "A", 0, 10), ticks(0, 10)))
	snap, _ := a.Snapshot()
	b := newTestEngine(t, Config{})
	run(b, interleave(walk("S1", "B", 0, 5), walk("P1", "COR", 0, 5), ticks(0, 5)))
	saved := partStore{}
	saved.save(b)
	if err := b.Restore(snap); err != nil {
		t.Fatal(err)
	}
	d := b.TakeDirty()
	if v, ok := d["P1"]; !ok || v != nil {
		t.Fatalf("P1, dropped by Restore, is not reported gone: %v, %v", v, ok)
	}
	if d["S1"] == nil || d[GlobalPart] == nil {
		t.Fatal("S1 or the global part missing after Restore")
	}
	for k, v := range d {
		if v == nil {
			delete(saved, k)
		} else {
			saved[k] = v
		}
	}
	restartFromParts(t, a, saved, func() *Engine { return newTestEngine(t, Config{}) })
}

func TestRestorePartsOrphans(t *testing.T) {
	a := newTestEngine(t, Config{Zones: []Zone{bed}})
	saved := partStore{}
	runSaving(a, interleave(inBED("S1", 0, 10), ticks(0, 10)), saved)
	b := newTestEngine(t, Config{})
	if err := b.RestoreParts(saved); err != nil {
		t.Fatal(err)
	}
	d := b.TakeDirty() // the membership in BED is now an orphan
	if d["S1"] == nil || d[GlobalPart] == nil {
		t.Fatalf("restore onto fewer zones: parts %q, want S1 and the global part", slices.Sorted(maps.Keys(d)))
	}
	maps.Copy(saved, d)
	c := newTestEngine(t, Config{})
	if err := c.RestoreParts(saved); err != nil {
		t.Fatal(err)
	}
	wantEvents(t, briefTrig(c.Tick(sec(11))), "EXIT BED@11 S1 (zone_removed)")
}

func TestTagPartSize(t *testing.T) {
	e := newTestEngine(t, Config{})
	const ts = 1763719200000
	for s := range int64(10) {
		p := at("STAFF-00042", "A", 0)
		p.TS = ts + s*1000
		e.Observe(p)
		e.Tick(p.TS)
	}
	part := e.TakeDirty()["STAFF-00042"]
	if len(part) == 0 || len(part) > 32 {
		t.Fatalf("part of a tag in one room: %d bytes, want 1 to 32", len(part))
	}
}

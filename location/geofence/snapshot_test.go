package geofence

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/location"
)

// clinicSteps reads the synthetic clinic's ground truth as positions, with
// one tick per second after the positions of that second. PUMP-003 is
// silenced from second 200 to 400 so that ABSENCE fires.
func clinicSteps(t testing.TB) []step {
	t.Helper()
	clinicPlan(t) // skips when the data set is absent
	f, err := os.Open("/work/shared/datasets/synthetic-clinic/truth.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var steps []step
	var t0 int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var row struct {
			TS    int64   `json:"ts"`
			Tag   string  `json:"tag"`
			Level string  `json:"level"`
			X     float64 `json:"x"`
			Y     float64 `json:"y"`
			Room  *string `json:"room"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatal(err)
		}
		if t0 == 0 {
			t0 = row.TS
		}
		if row.Tag == "PUMP-003" && row.TS >= t0+200_000 && row.TS < t0+400_000 {
			continue
		}
		p := location.Position{TS: row.TS, Tag: row.Tag, Level: row.Level, X: row.X, Y: row.Y}
		if row.Room != nil {
			p.Room = *row.Room
		}
		steps = append(steps, step{pos: p})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var tk []step
	for ts := t0; ts <= steps[len(steps)-1].pos.TS+600_000; ts += 1000 {
		tk = append(tk, step{tick: ts})
	}
	return interleave(steps, tk)
}

// clinicRegistry classes the clinic's tags by their prefix.
func clinicRegistry(t testing.TB) *Registry {
	var tags []Tag
	for i := range 14 {
		tags = append(tags, Tag{ID: "PUMP-0" + pad(i), Class: "asset", Type: "infusion_pump"})
	}
	for i := range 10 {
		tags = append(tags, Tag{ID: "STAFF-0" + pad(i), Class: "staff", Type: "nurse"})
	}
	for i := range 4 {
		tags = append(tags, Tag{ID: "PT-0" + pad(i), Class: "patient"})
	}
	reg, err := NewRegistry(tags)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// pad formats i on two digits.
func pad(i int) string { return string([]byte{byte('0' + i/10), byte('0' + i%10)}) }

// clinicRuleSet exercises every rule type on the clinic.
var clinicRuleSet = []Rule{
	{ID: "enter-rooms", Type: RuleEnter, Group: &Group{Category: "patient_room"}, Enabled: true},
	{ID: "exit-rooms", Type: RuleExit, Group: &Group{Category: "patient_room"}, TagClass: "staff", Enabled: true},
	{ID: "desk", Type: RuleEnter, ZoneID: "DESK", Enabled: true},
	{ID: "dwell", Type: RuleDwell, Group: &Group{Category: "patient_room"}, TagClass: "staff", Duration: time.Minute, Enabled: true},
	{ID: "missing", Type: RuleAbsence, TagClass: "asset", Duration: time.Minute, Enabled: true},
	{ID: "wander", Type: RuleRestricted, Group: &Group{Category: "corridor"}, TagClass: "patient", Debounce: time.Second, Enabled: true},
	{ID: "pumps", Type: RulePar, ZoneID: "L0-S00", TagClass: "asset", MinCount: 3, Enabled: true},
	{ID: "any-cu", Type: RulePar, Group: &Group{ZoneIDs: []string{"L0-N01", "L0-S00"}}, MinCount: 4, Debounce: 5 * time.Second, Enabled: true},
}

// desk is an API zone in the corridor of the clinic.
var desk = Zone{ID: "DESK", Level: "L0", Category: "desk", Polygon: polygon(18, 8.1, 26, 10.7)}

// newClinicEngine returns an engine on the clinic with rules.
func newClinicEngine(t testing.TB, rules []Rule, zones ...Zone) *Engine {
	t.Helper()
	e, err := New(clinicPlan(t), Config{Zones: zones}, rules, clinicRegistry(t))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestSnapshotRestoreContinues(t *testing.T) {
	steps := clinicSteps(t)
	for _, set := range []struct {
		name  string
		rules []Rule
	}{{"default rules", nil}, {"every rule type", clinicRuleSet}} {
		t.Run(set.name, func(t *testing.T) {
			want := run(newClinicEngine(t, set.rules, desk), steps)
			checkClinicEvents(t, want, len(set.rules) > 0)
			for _, split := range []int{1, 997, len(steps) / 3, len(steps) / 2, len(steps) - 500} {
				a := newClinicEngine(t, set.rules, desk)
				got := run(a, steps[:split])
				snap, err := a.Snapshot()
				if err != nil {
					t.Fatal(err)
				}
				b := newClinicEngine(t, set.rules, desk)
				if err := b.Restore(snap); err != nil {
					t.Fatal(err)
				}
				if again, _ := b.Snapshot(); !bytes.Equal(again, snap) {
					t.Fatalf("split %d: snapshot of the restored engine differs", split)
				}
				got = append(got, run(b, steps[split:])...)
				if !slices.Equal(got, want) {
					t.Fatalf("split %d: %d events, want %d; first difference at %d", split, len(got), len(want), firstDiff(got, want))
				}
			}
		})
	}
}

// checkClinicEvents checks that the run produced the kinds of events its
// rules ask for, so that the equivalence test compares something.
func checkClinicEvents(t *testing.T, evs []Event, rules bool) {
	t.Helper()
	kinds := map[EventType]int{}
	for _, ev := range evs {
		kinds[ev.Type]++
	}
	want := []EventType{Enter, Exit}
	if rules {
		want = []EventType{Enter, Exit, Dwell, Absence, Restricted, BelowPar, ParRestored}
	}
	for _, k := range want {
		if kinds[k] == 0 {
			t.Errorf("no %s event in %v", k, kinds)
		}
	}
}

// firstDiff returns the index of the first event that differs.
func firstDiff(a, b []Event) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestRestoreWithoutZone(t *testing.T) {
	a := newTestEngine(t, Config{Zones: []Zone{bed}})
	run(a, interleave(inBED("S1", 0, 10), ticks(0, 10)))
	snap, err := a.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	b := newTestEngine(t, Config{})
	if err := b.Restore(snap); err != nil {
		t.Fatal(err)
	}
	wantEvents(t, briefTrig(b.Tick(sec(11))), "EXIT BED@11 S1 (zone_removed)")
	if got := b.Tick(sec(12)); got != nil {
		t.Fatalf("orphan EXIT again: %q", brief(got))
	}
	if got := strings.Join(b.TagZones("S1"), ","); got != "A" {
		t.Fatalf("zones of S1 = %s", got)
	}
}

func TestRestoreRejects(t *testing.T) {
	e := newTestEngine(t, Config{})
	run(e, walk("S1", "A", 0, 5))
	before, _ := e.Snapshot()
	for _, bad := range []string{
		``, `{`, `[]`, `{"v":2,"tags":[]}`, `{"v":1,"tags":[{"id":""}]}`,
		`{"v":1,"tags":[{"id":"a"},{"id":"a"}]}`,
		`{"v":1,"tags":[{"id":"a","m":[{"z":"A","v":[]}]}]}`,
		`{"v":1,"tags":[{"id":"a","m":[{"z":"A","r":true,"v":[{"d":3000}]}]}]}`,
		`{"v":1,"extra":true,"tags":[]}`,
		`{"v":1,"tags":[{"id":"a","m":[{"z":"A","v":[{"d":3000}]},{"z":"A","v":[{"d":3000}]}]}]}`,
	} {
		if err := e.Restore([]byte(bad)); !errors.Is(err, ErrSnapshot) {
			t.Errorf("Restore(%q) = %v, want ErrSnapshot", bad, err)
		}
	}
	if after, _ := e.Snapshot(); !bytes.Equal(before, after) {
		t.Fatal("a failed Restore changed the state")
	}
}

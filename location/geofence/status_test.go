package geofence

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/floorplans"
)

// statusRulesForTests: storage rooms are soiled, patient rooms in use
// after a minute, absence after two.
var statusRulesForTests = StatusRules{
	SoiledCategories: []string{"storage"},
	InUseCategories:  []string{"patient_room"},
	InUseDwell:       time.Minute,
	Absence:          2 * time.Minute,
}

// statusEvents renders the STATUS_CHANGED events of evs:
// "ST@70 PUMP1 IN_USE>SOILED (soiled_room)".
func statusEvents(evs []Event) []string {
	var out []string
	for _, ev := range evs {
		if ev.Type == StatusChanged {
			out = append(out, fmt.Sprintf("%s@%g %s %s>%s (%s)", ev.Zone, float64(ev.TS)/1000, ev.Tag, ev.Previous, ev.Status, ev.Trigger))
		}
	}
	return out
}

// statusEngine returns a test engine inferring statuses, with PUMP1
// AVAILABLE and WC1 in MAINTENANCE.
func statusEngine(t *testing.T) *Engine {
	t.Helper()
	rules := statusRulesForTests
	e := newTestEngine(t, Config{Status: &rules})
	for _, tag := range []Tag{
		{ID: "PUMP1", Class: ClassAsset, Type: "infusion_pump", Status: StatusAvailable},
		{ID: "WC1", Class: ClassAsset, Type: "wheelchair", Status: StatusMaintenance},
	} {
		if _, _, err := e.PutTag(tag, 0); err != nil {
			t.Fatal(err)
		}
	}
	e.TakeStatusChanges()
	return e
}

func TestStatusFromLocation(t *testing.T) {
	e := statusEngine(t)
	var evs []Event
	// PUMP1 stays 70 s in patient room A (in use after 60 s), goes to the
	// storage room (soiled on entry), is set AVAILABLE there through the
	// API, then is silent from 89 s on (missing at 209 s) until seen in the
	// corridor at 250 s.
	evs = append(evs, run(e, interleave(walk("PUMP1", "A", 0, 70), walk("PUMP1", "ST", 70, 80), ticks(0, 80)))...)
	_, put, err := e.PutTag(Tag{ID: "PUMP1", Class: ClassAsset, Type: "infusion_pump", Status: StatusAvailable}, sec(80))
	if err != nil {
		t.Fatal(err)
	}
	evs = append(evs, put...)
	evs = append(evs, run(e, interleave(walk("PUMP1", "ST", 80, 90), ticks(80, 250), walk("PUMP1", "COR", 250, 255)))...)
	// WC1 in maintenance and staff S1 enter the storage room: nothing.
	evs = append(evs, run(e, interleave(walk("WC1", "ST", 300, 310), walk("S1", "ST", 300, 310), ticks(300, 310)))...)
	wantEvents(t, statusEvents(evs),
		"A@60 PUMP1 AVAILABLE>IN_USE (in_use_dwell)",
		"ST@70 PUMP1 IN_USE>SOILED (soiled_room)",
		"@80 PUMP1 SOILED>AVAILABLE (api)",
		"ST@209 PUMP1 AVAILABLE>MISSING (absence)",
		"COR@250 PUMP1 MISSING>AVAILABLE (found)",
	)
	changes := e.TakeStatusChanges()
	if len(changes) != 5 || changes[3] != (StatusChange{Tag: "PUMP1", Previous: StatusAvailable, Status: StatusMissing, TS: sec(209), Source: SourceAbsence, Room: "ST"}) {
		t.Fatalf("status changes = %+v", changes)
	}
	if got, _ := e.Tag("PUMP1"); got.Status != StatusAvailable || got.StatusChangedAt != sec(250) || got.MissingFrom != "" {
		t.Fatalf("registry entry = %+v", got)
	}
	if e.TakeStatusChanges() != nil {
		t.Fatal("TakeStatusChanges returned changes twice")
	}
}

func TestStatusAPIHoldsDuringStay(t *testing.T) {
	e := statusEngine(t)
	evs := run(e, interleave(walk("PUMP1", "A", 0, 65), ticks(0, 65)))
	_, put, err := e.PutTag(Tag{ID: "PUMP1", Class: ClassAsset, Status: StatusAvailable}, sec(65))
	if err != nil {
		t.Fatal(err)
	}
	evs = append(evs, put...)
	// the same stay does not make it IN_USE again; the next one does
	evs = append(evs, run(e, interleave(walk("PUMP1", "A", 65, 200), walk("PUMP1", "COR", 200, 210),
		walk("PUMP1", "A", 210, 280), ticks(65, 280)))...)
	wantEvents(t, statusEvents(evs),
		"A@60 PUMP1 AVAILABLE>IN_USE (in_use_dwell)",
		"@65 PUMP1 IN_USE>AVAILABLE (api)",
		"A@270 PUMP1 AVAILABLE>IN_USE (in_use_dwell)",
	)
}

func TestStatusMissingKeepsSoiled(t *testing.T) {
	e := statusEngine(t)
	// soiled, then silent: when found it is still SOILED, not AVAILABLE
	evs := run(e, interleave(walk("PUMP1", "ST", 0, 10), ticks(0, 140), walk("PUMP1", "A", 140, 145)))
	wantEvents(t, statusEvents(evs),
		"ST@0 PUMP1 AVAILABLE>SOILED (soiled_room)",
		"ST@129 PUMP1 SOILED>MISSING (absence)",
		"A@140 PUMP1 MISSING>SOILED (found)",
	)
}

func TestStatusOff(t *testing.T) {
	e := newTestEngine(t, Config{}) // no StatusRules: no inference
	evs := run(e, interleave(walk("PUMP1", "A", 0, 100), walk("PUMP1", "ST", 100, 110), ticks(0, 400)))
	if got := statusEvents(evs); len(got) != 0 {
		t.Fatalf("status events without rules: %q", got)
	}
}

func TestPutTagUnitOfThePlan(t *testing.T) {
	e := newTestEngine(t, Config{}) // the test plan declares no unit: any is taken
	if _, _, err := e.PutTag(Tag{ID: "S9", Class: ClassStaff, Unit: "4W"}, 0); err != nil {
		t.Fatal(err)
	}
	plan := testPlan(t)
	rooms := slices.Clone(plan.Rooms)
	for i, r := range rooms {
		c := *r
		c.Unit = "4W"
		rooms[i] = &c
	}
	withUnits, err := floorplans.New(plan.Levels, rooms, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// a registry naming an undeclared unit is kept, counted in a warning
	reg, err := NewRegistry([]Tag{{ID: "PAT-SECRET", Class: ClassPatient, Unit: "4E"}})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	e, err = New(withUnits, Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	if out := logs.String(); !strings.Contains(out, "units the floorplan does not declare") || !strings.Contains(out, "tags=1") || strings.Contains(out, "SECRET") {
		t.Fatalf("warning about units: %q", out)
	}
	if _, _, err := e.PutTag(Tag{ID: "S9", Class: ClassStaff, Unit: "4W"}, 0); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.PutTag(Tag{ID: "S9", Class: ClassStaff, Unit: "4E"}, 0)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "unit_id" || !errors.Is(err, ErrInvalidTag) {
		t.Fatalf("unknown unit: got %v", err)
	}
	if got, _ := e.Tag("S9"); got.Unit != "4W" {
		t.Fatalf("refused put changed the tag: %+v", got)
	}
}

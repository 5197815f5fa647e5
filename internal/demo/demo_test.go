package demo

import (
	"testing"

	"github.com/hospitalrtls/rtls/floorplans"
)

func TestFloorplanIsValid(t *testing.T) {
	plan, err := floorplans.Parse(Floorplan(), SiteID)
	if err != nil {
		t.Fatalf("demo ward has problems:\n%v", err)
	}
	if len(plan.Levels) != 2 {
		t.Fatalf("%d levels, want 2", len(plan.Levels))
	}
	for _, l := range plan.Levels {
		t.Run(l.ID, func(t *testing.T) { checkLevel(t, plan, l) })
	}
	if _, ok := plan.Zone("L0-ZONE-NURSE-AREA"); !ok {
		t.Error("zone L0-ZONE-NURSE-AREA missing")
	}
	for _, id := range []string{"EXIT"} {
		if _, ok := plan.Room("L0-" + id); !ok {
			t.Errorf("room L0-%s missing", id)
		}
	}
	// two units, one a level: every room but exits, stairs and elevators
	if len(plan.Units) != 2 || plan.Units[0].ID != "4W" || plan.Units[1].ID != "5W" {
		t.Fatalf("units %+v, want 4W and 5W", plan.Units)
	}
	for _, r := range plan.Rooms {
		want := map[string]string{"L0": "4W", "L1": "5W"}[r.Level]
		switch r.Category {
		case "exit", "stairs", "elevator":
			want = ""
		}
		if r.Unit != want {
			t.Errorf("room %s in unit %q, want %q", r.ID, r.Unit, want)
		}
	}
}

// checkLevel: one corridor every other room opens on, a BLE reader in
// each room, 3-4 in the corridor, an RFID portal on storage, and elevator
// and stairs where the other level has them.
func checkLevel(t *testing.T, plan *floorplans.Plan, l *floorplans.Level) {
	cor := l.ID + "-COR"
	counts := map[string]int{}
	for _, r := range plan.RoomsOn(l.ID) {
		counts[r.Category]++
		if r.ID == cor {
			continue
		}
		if n := plan.Neighbors(r.ID); len(n) != 1 || n[0] != cor {
			t.Errorf("room %s opens on %v, want [%s]", r.ID, n, cor)
		}
		if rd, ok := plan.Reader("R-" + r.ID); !ok || rd.Kind != floorplans.KindBLE || plan.RoomAt(l.ID, rd.Point) != r {
			t.Errorf("room %s: no BLE reader inside", r.ID)
		}
		if r.Category == "elevator" || r.Category == "stairs" {
			other := "L1"
			if l.ID == "L1" {
				other = "L0"
			}
			if o := plan.RoomAt(other, r.Centroid); o == nil || o.Category != r.Category {
				t.Errorf("%s %s has no counterpart on %s", r.Category, r.ID, other)
			}
		}
	}
	if counts["corridor"] != 1 || counts["patient_room"] < 8 || counts["nurse_station"] != 1 ||
		counts["storage"] != 1 || counts["elevator"] != 1 || counts["stairs"] != 1 {
		t.Errorf("room categories %v", counts)
	}
	corReaders, portals := 0, 0
	for _, rd := range plan.ReadersOn(l.ID) {
		switch {
		case rd.Kind == floorplans.KindRFIDPortal:
			portals++
			if z, ok := plan.Room(rd.Zone); !ok || z.Category != "storage" {
				t.Errorf("portal %s covers %q, want a storage room", rd.ID, rd.Zone)
			}
		case rd.Kind == floorplans.KindBLE && roomID(plan, l.ID, rd) == cor:
			corReaders++
		}
		if rd.Kind == floorplans.KindBLE && (rd.HeightM != 2.5 || rd.RSSIAt1m != -59 || rd.PathLossExponent != 2.2) {
			t.Errorf("reader %s calibration %+v", rd.ID, rd)
		}
	}
	if corReaders < 3 || corReaders > 4 || portals != 1 {
		t.Errorf("%d corridor readers, %d portals", corReaders, portals)
	}
}

func TestTags(t *testing.T) {
	counts := map[string]int{}
	seen := map[string]bool{}
	for _, tg := range Tags() {
		if seen[tg.ID] || tg.Type == "" || (tg.Name == "") != (tg.Class == ClassPatient) {
			t.Errorf("tag %+v: repeated, incomplete or a named patient", tg)
		}
		if tg.Unit != "4W" && tg.Unit != "5W" {
			t.Errorf("tag %s: unit %q not of the ward", tg.ID, tg.Unit)
		}
		if (tg.Class == ClassAsset) != (tg.Serial != "" && tg.Model != "" && tg.Status != "" && tg.MaintenanceDue != "") {
			t.Errorf("tag %s: asset fields %+v", tg.ID, tg)
		}
		if (tg.Class == ClassPatient) != (tg.EncounterRef != "") || (tg.Class == ClassStaff) != (tg.Role != "") {
			t.Errorf("tag %s: class fields %+v", tg.ID, tg)
		}
		seen[tg.ID] = true
		counts[tg.Class]++
	}
	if counts[ClassStaff] != 8 || counts[ClassAsset] != 10 || counts[ClassPatient] != 6 || len(counts) != 3 {
		t.Errorf("classes %v, want 8 staff, 10 assets, 6 patients", counts)
	}
	a := Tags()
	a[0].ID = "changed"
	if Tags()[0].ID == "changed" {
		t.Error("Tags shares its slice with the caller")
	}
}

// roomID returns the id of the room a reader is in, "" if none.
func roomID(plan *floorplans.Plan, level string, rd *floorplans.Reader) string {
	if r := plan.RoomAt(level, rd.Point); r != nil {
		return r.ID
	}
	return ""
}

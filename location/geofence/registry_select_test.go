package geofence

import (
	"slices"
	"strings"
	"testing"
)

func TestRegistrySelectAndLookup(t *testing.T) {
	reg, err := NewRegistry([]Tag{
		{ID: "P2", Class: ClassAsset, Type: "infusion_pump", Status: StatusAvailable},
		{ID: "N1", Class: ClassStaff, Type: "nurse", Role: "RN"},
		{ID: "P1", Class: ClassAsset, Type: "infusion_pump", Status: StatusInUse},
		{ID: "P3", Class: ClassAsset, Type: "syringe_pump", Status: StatusAvailable},
		{ID: "P0", Class: ClassAsset, Type: "infusion_pump", Status: StatusAvailable},
	})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(tags []Tag) []string {
		var out []string
		for _, t := range tags {
			out = append(out, t.ID)
		}
		return out
	}
	pumps := reg.Select(func(t Tag) bool { return t.Type == "infusion_pump" })
	slices.SortFunc(pumps, func(a, b Tag) int { return strings.Compare(a.ID, b.ID) })
	if got := ids(pumps); !slices.Equal(got, []string{"P0", "P1", "P2"}) {
		t.Errorf("infusion pumps: %v", got)
	}
	if pumps[1].Status != StatusInUse {
		t.Errorf("P1 selected as %+v", pumps[1])
	}
	pumpIDs := reg.SelectIDs(func(t Tag) bool { return t.Type == "infusion_pump" })
	slices.Sort(pumpIDs)
	if !slices.Equal(pumpIDs, []string{"P0", "P1", "P2"}) {
		t.Errorf("infusion pump ids: %v", pumpIDs)
	}
	if got := (*Registry)(nil).SelectIDs(func(Tag) bool { return true }); got != nil {
		t.Errorf("nil registry ids: %v", got)
	}
	if got := reg.Select(func(Tag) bool { return false }); len(got) != 0 {
		t.Errorf("nothing selected: %v", got)
	}
	if got := (*Registry)(nil).Select(func(Tag) bool { return true }); got != nil {
		t.Errorf("nil registry: %v", got)
	}
	got := reg.Lookup([]string{"N1", "NOBODY", "P3"})
	if len(got) != 2 || got["N1"].Role != "RN" || got["P3"].Type != "syringe_pump" {
		t.Errorf("Lookup: %v", got)
	}
	if got := (*Registry)(nil).Lookup([]string{"N1"}); len(got) != 0 {
		t.Errorf("nil registry Lookup: %v", got)
	}
}

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
	pumps := reg.Select(func(t Tag) bool { return t.Type == "infusion_pump" })
	slices.SortFunc(pumps, func(a, b Tag) int { return strings.Compare(a.ID, b.ID) })
	if got := ids(pumps); !slices.Equal(got, []string{"P0", "P1", "P2"}) {
		t.Errorf("infusion pumps: %v", got)
	}
	if pumps[1].Status != StatusInUse {
		t.Errorf("P1 selected as %+v", pumps[1])
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

// TestRegistrySelectKind: the class, type and status index follows Put (a
// type or status change moves the tag), Delete, Clone and a loaded
// registry, and agrees with Select.
func TestRegistrySelectKind(t *testing.T) {
	reg, err := LoadRegistry(strings.NewReader("id,class,type,status\nP1,asset,infusion_pump,AVAILABLE\nP2,asset,infusion_pump,IN_USE\n"+
		"B1,asset,bed,AVAILABLE\nN1,staff,nurse,\n"), FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	kind := func(r *Registry, class, typ string) []string {
		got := r.SelectKindIDs(class, typ, func(s string) bool { return s != StatusInUse })
		slices.Sort(got)
		want := ids(r.Select(func(t Tag) bool {
			return t.Class == class && (typ == "" || t.Type == typ) && t.Status != StatusInUse
		}))
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("SelectKindIDs(%q, %q) = %v, SelectIDs %v", class, typ, got, want)
		}
		return got
	}
	if got := kind(reg, ClassAsset, "infusion_pump"); !slices.Equal(got, []string{"P1"}) {
		t.Fatalf("available pumps %v", got)
	}
	if got := kind(reg, ClassAsset, ""); !slices.Equal(got, []string{"B1", "P1"}) {
		t.Fatalf("available assets %v", got)
	}
	if _, err := reg.Put(Tag{ID: "B1", Class: ClassAsset, Type: "infusion_pump", Status: StatusAvailable}); err != nil {
		t.Fatal(err)
	}
	if err := reg.Delete("P1"); err != nil {
		t.Fatal(err)
	}
	c := reg.Clone()
	for _, r := range []*Registry{reg, c} {
		if got := kind(r, ClassAsset, "infusion_pump"); !slices.Equal(got, []string{"B1"}) {
			t.Fatalf("after Put and Delete: %v", got)
		}
		if got := kind(r, ClassAsset, "bed"); len(got) != 0 {
			t.Fatalf("beds after B1 became a pump: %v", got)
		}
	}
	if _, err := reg.Put(Tag{ID: "P2", Class: ClassAsset, Type: "infusion_pump", Status: StatusAvailable}); err != nil {
		t.Fatal(err)
	}
	if got := kind(reg, ClassAsset, "infusion_pump"); !slices.Equal(got, []string{"B1", "P2"}) {
		t.Fatalf("after P2 became available: %v", got)
	}
	if got := reg.SelectKindIDs(ClassStaff, "", nil); !slices.Equal(got, []string{"N1"}) {
		t.Fatalf("staff of any status: %v", got)
	}
	if got := (*Registry)(nil).SelectKindIDs(ClassAsset, "", nil); got != nil {
		t.Fatalf("nil registry: %v", got)
	}
}

// ids returns the ids of tags, in their order.
func ids(tags []Tag) []string {
	var out []string
	for _, t := range tags {
		out = append(out, t.ID)
	}
	return out
}

package geofence

import (
	"slices"
	"testing"
)

func TestGroupZones(t *testing.T) {
	zones := []Zone{
		{ID: "z3", Category: "bay"}, {ID: "z1", Category: "bay"}, {ID: "z2", Category: "storage"}, {ID: "z4"},
	}
	rules := []Rule{
		{ID: "one", ZoneID: "z2"},
		{ID: "cat", Group: &Group{Category: "bay"}},
		{ID: "list", Group: &Group{ZoneIDs: []string{"z4", "z2"}}},
		{ID: "anywhere", Type: RuleAbsence},
	}
	tests := []struct {
		group string
		want  []string
		known bool
	}{
		{"category:bay", []string{"z1", "z3"}, true},
		{"category:storage", []string{"z2"}, true},
		{"category:", nil, false},
		{"category:icu", nil, false},
		{"rule:one", []string{"z2"}, true},
		{"rule:cat", []string{"z1", "z3"}, true},
		{"rule:list", []string{"z2", "z4"}, true},
		{"rule:anywhere", nil, true},
		{"rule:unknown", nil, false},
		{"bay", nil, false},
		{"", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.group, func(t *testing.T) {
			if got := GroupZones(tt.group, zones, rules); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if got := KnownGroup(tt.group, zones, rules); got != tt.known {
				t.Errorf("KnownGroup = %v, want %v", got, tt.known)
			}
		})
	}
}

package load

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/floorplans"
)

func clinic(t *testing.T) *floorplans.Plan {
	t.Helper()
	plan, err := floorplans.LoadFile("../../floorplans/testdata/synthetic-clinic.geojson")
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestMobility: tags stay in rooms with a reader and move between them
// through the corridor; the same seed gives the same moves.
func TestMobility(t *testing.T) {
	plan := clinic(t)
	trace := func() (string, int) {
		m, err := newMobility(plan, 5, "T-", 7)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for range 120 {
			placed, err := m.next()
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range placed {
				b.WriteString(p.Tag + "@" + p.Step.Room + " ")
			}
		}
		return b.String(), m.roomChanges()
	}
	a, changes := trace()
	if b, _ := trace(); a != b {
		t.Fatal("same seed, different moves")
	}
	if changes < 5 {
		t.Fatalf("%d room changes in 2 minutes of 5 tags", changes)
	}
	for _, r := range stayRooms(plan) {
		if r == "L0-COR" {
			t.Fatal("the corridor is a room to stay in")
		}
	}
	if n := len(stayRooms(plan)); n != 16 {
		t.Fatalf("%d rooms to stay in, want the clinic's 16", n)
	}
}

func TestConfigErrors(t *testing.T) {
	plan := clinic(t)
	ok := Config{Plan: plan, Tags: 1, Duration: time.Second}
	tests := []struct {
		name  string
		edit  func(*Config)
		field string
	}{
		{"no plan", func(c *Config) { c.Plan = nil }, "floorplan"},
		{"no tags", func(c *Config) { c.Tags = 0 }, "tags"},
		{"short", func(c *Config) { c.Duration = time.Millisecond }, "duration"},
		{"negative debounce", func(c *Config) { c.Debounce = -time.Second }, "debounce"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			err := c.validate()
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("validate: %v, want ErrConfig naming %s", err, tc.field)
			}
		})
	}
	c := ok
	if err := c.validate(); err != nil || c.Conns != 4 || !strings.HasPrefix(c.Prefix, "LOAD-") || c.Drain != 3*time.Second {
		t.Fatalf("defaults: %v %+v", err, c)
	}
}

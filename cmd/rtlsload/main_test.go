package main

import (
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	plan := "--floorplan=../../floorplans/testdata/synthetic-clinic.geojson"
	o, err := parseFlags([]string{plan, "--tags=7", "--duration=5s", "--debounce-known=2s"})
	cfg := o.Config
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Tags != 7 || cfg.Duration != 5*time.Second || cfg.Debounce != 2*time.Second || cfg.Plan == nil {
		t.Fatalf("parsed %+v", cfg)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing plan", []string{"--floorplan=nope.geojson"}, "--floorplan"},
		{"extra argument", []string{plan, "extra"}, "unexpected argument"},
		{"bad duration", []string{plan, "--duration=soon"}, "duration"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parseFlags(tc.args); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %s", err, tc.want)
			}
		})
	}
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlanValidate(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.geojson")
	err := os.WriteFile(bad, []byte(`{"type":"FeatureCollection","features":[
	 {"type":"Feature","properties":{"type":"level","id":"L0","name":"g","ordinal":0},
	  "geometry":{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]]]}},
	 {"type":"Feature","properties":{"type":"room","id":"R1","name":"r","level":"L9","category":"x"},
	  "geometry":{"type":"Polygon","coordinates":[[[0,0],[5,0],[5,5],[0,5]]]}}
	]}`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	clinic := filepath.Join("..", "..", "floorplans", "testdata", "synthetic-clinic.geojson")
	cases := []struct {
		name       string
		args       []string
		code       int
		stdout     []string // lines, in order
		stderrHave string
	}{
		{"valid plan", []string{"plan", "validate", clinic}, 0,
			[]string{"ok: 1 levels, 17 rooms, 16 doors, 21 readers, 0 zones"}, ""},
		{"problems", []string{"plan", "validate", bad}, 1, []string{
			bad + `: room R1: properties.level: unknown level "L9"`,
			bad + ": room R1: geometry: ring not closed",
		}, "2 problem(s)"},
		{"missing file", []string{"plan", "validate", filepath.Join(dir, "nope.geojson")}, 1, nil, "no such file"},
		{"no paths", []string{"plan", "validate"}, 2, nil, "usage: rtlsctl plan validate PATH..."},
		{"unknown plan subcommand", []string{"plan", "check", clinic}, 2, nil, "wrong arguments"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(c.args, &stdout, &stderr); code != c.code {
				t.Errorf("exit status %d, want %d; stderr: %s", code, c.code, stderr.String())
			}
			var lines []string
			if s := strings.TrimSuffix(stdout.String(), "\n"); s != "" {
				lines = strings.Split(s, "\n")
			}
			if strings.Join(lines, "\n") != strings.Join(c.stdout, "\n") {
				t.Errorf("stdout:\n%s\nwant:\n%s", stdout.String(), strings.Join(c.stdout, "\n"))
			}
			if !strings.Contains(stderr.String(), c.stderrHave) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), c.stderrHave)
			}
		})
	}
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	for _, c := range []struct {
		name  string
		args  []string
		want  string // error substring, "" for success
		check func(config) bool
	}{
		{"defaults", nil, "", func(c config) bool {
			return c.coapAddr == "127.0.0.1:5683" && c.tags == 0 && c.duration == 0 && c.format == "json" && c.sim.Seed == 1
		}},
		{"dataset duration default", []string{"--out-dir", "x"}, "", func(c config) bool { return c.duration == time.Hour }},
		{"knobs", []string{"--seed", "9", "--noise-db", "6", "--tags", "100", "--format", "cbor"}, "", func(c config) bool {
			return c.sim.Seed == 9 && c.sim.NoiseSigmaDB == 6 && c.tags == 100 && c.format == "cbor"
		}},
		{"bad format", []string{"--format", "xml"}, "--format", nil},
		{"negative tags", []string{"--tags", "-1"}, "--tags", nil},
		{"zero speedup", []string{"--speedup", "0"}, "--speedup", nil},
		{"bad start", []string{"--start", "yesterday"}, "--start", nil},
		{"bad packet loss", []string{"--packet-loss", "2"}, "PacketLoss", nil},
		{"stray argument", []string{"extra"}, "unexpected argument", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := parseFlags(c.args)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("parseFlags: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("parseFlags: %v, want an error naming %s", err, c.want)
			case c.check != nil && !c.check(cfg):
				t.Errorf("parseFlags(%v) = %+v", c.args, cfg)
			}
		})
	}
}

func TestRunWritesDataset(t *testing.T) {
	dir := t.TempDir()
	cfg, err := parseFlags([]string{"--out-dir", dir, "--duration", "30s", "--tags", "40"})
	if err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), cfg, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if rows := countLines(t, filepath.Join(dir, "truth.jsonl")); rows != 40*31 {
		t.Errorf("truth rows %d, want %d", rows, 40*31)
	}
	if n := countLines(t, filepath.Join(dir, "sightings.jsonl")); n == 0 {
		t.Error("no sightings")
	}
	if _, err := os.Stat(filepath.Join(dir, "floorplan.geojson")); err != nil {
		t.Error(err)
	}
}

func TestRunRejectsMissingFloorplan(t *testing.T) {
	cfg, err := parseFlags([]string{"--out-dir", t.TempDir(), "--floorplan", filepath.Join(t.TempDir(), "none.geojson")})
	if err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), cfg, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "--floorplan") {
		t.Errorf("run: %v, want a --floorplan error", err)
	}
}

// countLines counts the lines of a JSON Lines file, each a JSON object.
func countLines(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var v map[string]any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s line %d: %v", path, n+1, err)
		}
		n++
	}
	return n
}

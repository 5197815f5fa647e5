package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixtures are internal/score's test files; the expected lines are what
// tools/rtls-score prints for them.
const fixtures = "../../internal/score/testdata/"

const (
	engineLine   = "engine             coverage 0.786  median 1.00 m  p90 4.00 m  p95 5.80 m  level 0.727  room 0.500  room changes/tag-h 600.0 (truth 360.0)  within accuracy_m 0.500\n"
	baselineLine = "baseline_centroid  coverage 0.857  median 3.26 m  p90 7.39 m  p95 12.27 m  level 0.833  room 0.818  room changes/tag-h 480.0 (truth 360.0)\n" +
		"baseline_strongest coverage 0.857  median 5.16 m  p90 16.90 m  p95 18.10 m  level 0.750  room 0.727  room changes/tag-h 360.0 (truth 360.0)\n"
)

// gzipCopy writes a gzip copy of a fixture into dir and returns its path.
func gzipCopy(t *testing.T, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(fixtures + name)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".gz")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestScoreCommand(t *testing.T) {
	dir := t.TempDir()
	plan := fixtures + "plan.geojson"
	truth := fixtures + "truth.jsonl"
	positions := fixtures + "positions.jsonl"
	sightings := fixtures + "sightings.jsonl"
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"engine only", []string{"--floorplan", plan, "--truth", truth, "--positions", positions}, 0, engineLine, ""},
		{"with baseline", []string{"--floorplan", plan, "--truth", truth, "--positions", positions, "--sightings", sightings},
			0, engineLine + baselineLine, ""},
		{"gzip inputs", []string{"--floorplan", plan, "--truth", gzipCopy(t, dir, "truth.jsonl"), "--positions",
			gzipCopy(t, dir, "positions.jsonl"), "--sightings", gzipCopy(t, dir, "sightings.jsonl")}, 0, engineLine + baselineLine, ""},
		{"missing positions", []string{"--floorplan", plan, "--truth", truth}, 2, "", "usage: rtlsctl score"},
		{"stray argument", []string{"--floorplan", plan, "--truth", truth, "--positions", positions, "extra"}, 2, "", "usage: rtlsctl score"},
		{"unreadable truth", []string{"--floorplan", plan, "--truth", filepath.Join(dir, "nope"), "--positions", positions}, 1, "", "nope"},
		{"positions not json lines", []string{"--floorplan", plan, "--truth", truth, "--positions", plan}, 1, "", "line 1: jsonl: bad line"},
		{"bad floorplan", []string{"--floorplan", truth, "--truth", truth, "--positions", positions}, 1, "", "rtlsctl score: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(append([]string{"score"}, c.args...), &stdout, &stderr); code != c.code {
				t.Errorf("exit status %d, want %d (stderr %q)", code, c.code, stderr.String())
			}
			if stdout.String() != c.stdout {
				t.Errorf("stdout:\n%q\nwant\n%q", stdout.String(), c.stdout)
			}
			if !strings.Contains(stderr.String(), c.stderr) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), c.stderr)
			}
		})
	}
}

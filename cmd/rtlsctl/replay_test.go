package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/internal/score"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/jsonl"
)

// TestReplayAwkwardTagIDs replays a part of the synthetic clinic with its
// tag ids replaced by ids holding control characters, quotes, backslashes,
// non-ASCII and invalid UTF-8, through rtlsctl's command line: every
// position line must be valid JSON that parses back to itself, and carry
// the id as the sightings file spelled it.
func TestReplayAwkwardTagIDs(t *testing.T) {
	const dir = "../../testdata/datasets/synthetic-clinic"
	ss, err := score.ReadSightingsFile(filepath.Join(dir, "sightings.jsonl.gz"))
	if err != nil {
		t.Fatal(err)
	}
	ss = ss[:4000]
	awkward := []string{"\a", "\"", "\\", "\x00\x1f", "\n\r\t", "ü日本🏥", "\u2028", "</script>&"}
	rename := map[string]string{} // plain id: awkward id
	var in bytes.Buffer
	for _, s := range ss {
		id, ok := rename[s.Tag]
		if !ok {
			id = s.Tag + awkward[len(rename)%len(awkward)]
			rename[s.Tag] = id
		}
		s.Tag = id
		in.Write(jsonl.AppendSighting(nil, s))
		in.WriteByte('\n')
	}
	// A raw invalid byte in the file: decoding reads it as U+FFFD.
	in.WriteString(`{"ts":` + "1763719200400" + `,"reader":"P-L0-S00","tag":"PUMP-002` + "\xff" + `","rssi":-50}` + "\n")
	tmp := t.TempDir()
	sightings, positions := filepath.Join(tmp, "sightings.jsonl"), filepath.Join(tmp, "positions.jsonl")
	if err := os.WriteFile(sightings, in.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"replay", "--floorplan", filepath.Join(dir, "floorplan.geojson"), "--sightings", sightings, "--out", positions}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit status %d: %s", code, stderr.String())
	}

	want := map[string]bool{"PUMP-002\ufffd": true}
	for _, id := range rename {
		want[id] = true
	}
	out, err := os.ReadFile(positions)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if !json.Valid(line) {
			t.Fatalf("line %d is not JSON: %s", n, line)
		}
		p, err := jsonl.ParsePosition(line)
		if err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		if again := jsonl.AppendPosition(nil, p); !bytes.Equal(again, line) {
			t.Fatalf("line %d does not round-trip:\n %s\nre-encoded\n %s", n, line, again)
		}
		if !want[p.Tag] {
			t.Fatalf("line %d: tag %q is not one of the file's", n, p.Tag)
		}
		seen[p.Tag] = true
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, id := range rename {
		if !seen[id] {
			t.Errorf("no position for tag %q", id)
		}
	}
}

// errWriter fails every write after the first n bytes.
type errWriter struct{ n int }

var errDiskFull = errors.New("disk full")

func (w *errWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		n := w.n
		w.n = 0
		return n, errDiskFull
	}
	w.n -= len(p)
	return len(p), nil
}

// TestReplayPipelineErrors checks that the replay pipeline stops and
// reports the error when writing fails part of the way (with the decoder
// still ahead) and when a line in the middle of the input is bad.
func TestReplayPipelineErrors(t *testing.T) {
	const dir = "../../testdata/datasets/synthetic-clinic"
	plan, err := floorplans.LoadFile(filepath.Join(dir, "floorplan.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	ss, err := score.ReadSightingsFile(filepath.Join(dir, "sightings.jsonl.gz"))
	if err != nil {
		t.Fatal(err)
	}
	var in []byte
	for _, s := range ss[:20_000] {
		in = append(jsonl.AppendSighting(in, s), '\n')
	}
	if _, err := replay(plan, location.Defaults(), bytes.NewReader(in), &errWriter{n: 1 << 17}); !errors.Is(err, errDiskFull) {
		t.Errorf("write failing after 128 KiB: error %v, want %v", err, errDiskFull)
	}
	bad := bytes.Join([][]byte{in[:len(in)/2], []byte("{oops\n"), in[len(in)/2:]}, nil)
	line := bytes.Count(in[:len(in)/2], []byte("\n")) + 1
	if _, err := replay(plan, location.Defaults(), bytes.NewReader(bad), io.Discard); !errors.Is(err, jsonl.ErrBadLine) || !strings.Contains(err.Error(), fmt.Sprintf("line %d:", line)) {
		t.Errorf("bad line %d: error %v", line, err)
	}
}

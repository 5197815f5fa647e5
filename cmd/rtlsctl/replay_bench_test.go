package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/location"
)

// BenchmarkReplay runs `rtlsctl replay`'s loop (decode, engine, encode)
// over each shared data set's sightings held in memory, on GOMAXPROCS
// workers, and reports sightings per second of wall clock.
func BenchmarkReplay(b *testing.B) {
	for _, name := range []string{"synthetic-clinic", "danis-tetam"} {
		dir := filepath.Join("../../testdata/datasets", name)
		plan, err := floorplans.LoadFile(filepath.Join(dir, "floorplan.geojson"))
		if err != nil {
			b.Fatal(err)
		}
		in := gunzip(b, filepath.Join(dir, "sightings.jsonl.gz"))
		lines := bytes.Count(in, []byte("\n"))
		b.Run(fmt.Sprintf("data=%s/sightings=%d", name, lines), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := replay(plan, location.Defaults(), bytes.NewReader(in), io.Discard); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(lines*b.N)/b.Elapsed().Seconds(), "sightings/s")
		})
	}
}

// gunzip returns the contents of the gzip file at path.
func gunzip(b *testing.B, path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	in, err := io.ReadAll(zr)
	if err != nil {
		b.Fatal(err)
	}
	return in
}

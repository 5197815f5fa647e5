package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/jsonl"
)

// runReplay runs the engine in event time over a sightings file and writes
// the positions it computes (FORMATS.md), exactly as the live server would.
func runReplay(args []string) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	var plans multiFlag
	fs.Var(&plans, "floorplan", "floorplan GeoJSON file or directory (repeatable)")
	in := fs.String("sightings", "", "sightings JSON Lines file (- for stdin)")
	out := fs.String("out", "-", "positions JSON Lines file (- for stdout)")
	particles := fs.Int("particles", 0, "particles per tag (0: engine default)")
	lateness := fs.Int64("lateness-ms", 0, "bounded lateness in ms (0: engine default)")
	noCalib := fs.Bool("no-calibration", false, "turn off online per-reader calibration")
	engineCfg := fs.String("engine-config", "", "JSON file overriding engine settings (as rtlsd --engine-config)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(plans) == 0 || *in == "" {
		return errors.New("replay: --floorplan and --sightings are required")
	}
	plan, err := floorplans.LoadPaths(plans)
	if err != nil {
		return err
	}
	cfg := location.Defaults()
	if *engineCfg != "" {
		if cfg, err = location.ReadConfigFile(*engineCfg); err != nil {
			return err
		}
	}
	if *particles > 0 {
		cfg.Particles = *particles
	}
	if *lateness > 0 {
		cfg.LatenessMS = *lateness
	}
	if *noCalib {
		cfg.Calibrate = false
	}
	r, err := openIn(*in)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := openOut(*out)
	if err != nil {
		return err
	}
	start := time.Now()
	stats, err := replay(plan, cfg, r, w)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	read := stats.Accepted + stats.ImpossibleRSSI + stats.UnknownReader + stats.Late + stats.Duplicates + stats.EmptyTag + stats.ReaderSightings
	fmt.Fprintf(os.Stderr, "replay: %d sightings used, %d positions (%d still), %d tags in %v (%.0f sightings/s); rejected: %d impossible rssi, %d unknown reader, %d late, %d duplicate; %d reader-to-reader (calibration)\n",
		stats.Accepted, stats.Updates, stats.StillUpdates, stats.Tags, elapsed.Round(time.Millisecond), float64(read)/elapsed.Seconds(),
		stats.ImpossibleRSSI, stats.UnknownReader, stats.Late, stats.Duplicates, stats.ReaderSightings)
	return nil
}

// replay feeds every sighting to a fresh engine and writes each position as
// soon as the engine finalises it. Decoding runs on its own goroutine, a
// batch ahead of the engine.
func replay(plan *floorplans.Plan, cfg location.Config, r io.Reader, w io.Writer) (location.Stats, error) {
	eng, err := location.New(plan, cfg)
	if err != nil {
		return location.Stats{}, err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var buf []byte
	write := func(ps []location.Position) error {
		for _, p := range ps {
			buf = append(jsonl.AppendPosition(buf[:0], p), '\n')
			if _, err := bw.Write(buf); err != nil {
				return err
			}
		}
		return nil
	}
	batches, free := make(chan []location.Sighting, 4), make(chan []location.Sighting, 4)
	for range cap(free) {
		free <- make([]location.Sighting, 0, replayBatch)
	}
	stop := make(chan struct{})
	decoded := make(chan error, 1)
	go func() {
		defer close(batches)
		b := <-free
		err := jsonl.ReadSightings(r, func(s location.Sighting) error {
			if b = append(b, s); len(b) < replayBatch {
				return nil
			}
			batches <- b
			select {
			case b = <-free:
				b = b[:0]
				return nil
			case <-stop:
				return errStopped
			}
		})
		if len(b) > 0 && err == nil {
			batches <- b
		}
		decoded <- err
	}()
	rp := location.NewReplayer(eng)
	var werr error
	for b := range batches {
		for _, s := range b {
			ps, _ := rp.Add(s) // rejected sightings are counted in the engine's stats
			if werr == nil {
				werr = write(ps)
			}
		}
		if werr != nil {
			close(stop)
			for range batches {
			}
			break
		}
		free <- b
	}
	if err := <-decoded; err != nil && !errors.Is(err, errStopped) {
		return eng.Stats(), err
	}
	if werr != nil {
		return eng.Stats(), werr
	}
	if err := write(rp.Close()); err != nil {
		return eng.Stats(), err
	}
	return eng.Stats(), bw.Flush()
}

// replayBatch is how many sightings the decoder hands over at a time.
const replayBatch = 4096

// errStopped stops the decoder when writing failed.
var errStopped = errors.New("replay: stopped")

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func openIn(path string) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(os.Stdin), nil
	}
	return os.Open(path)
}

func openOut(path string) (io.WriteCloser, error) {
	if path == "-" {
		return nopCloser{os.Stdout}, nil
	}
	return os.Create(path)
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint(*m) }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

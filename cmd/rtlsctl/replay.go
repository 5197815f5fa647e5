package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"runtime/trace"
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
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the replay to this file (go tool pprof)")
	traceOut := fs.String("trace", "", "write an execution trace of the replay to this file (go tool trace)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(plans) == 0 || *in == "" {
		return errors.New("replay: --floorplan and --sightings are required")
	}
	cfg := location.Defaults()
	if *engineCfg != "" {
		var err error
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
	stopProfiles, err := startProfiles(*cpuProfile, *traceOut)
	if err != nil {
		return err
	}
	start := time.Now()
	stats, err := replayFiles(plans, cfg, *in, *out)
	if perr := stopProfiles(); err == nil {
		err = perr
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

// replayFiles replays the sightings file in into the positions file out
// with the plan of the floorplan paths. Decoding starts first: it runs
// while the plan is loaded and the engine built.
func replayFiles(plans []string, cfg location.Config, in, out string) (location.Stats, error) {
	r, err := openIn(in)
	if err != nil {
		return location.Stats{}, err
	}
	defer r.Close()
	d := decode(r)
	plan, err := floorplans.LoadPaths(plans)
	var w io.WriteCloser
	if err == nil {
		w, err = openOut(out)
	}
	if err != nil {
		d.abort()
		return location.Stats{}, err
	}
	stats, err := d.replay(plan, cfg, w)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return stats, err
}

// replay feeds every sighting of r to a fresh engine and writes each
// position to w as soon as the engine finalises it (see decoder.replay).
func replay(plan *floorplans.Plan, cfg location.Config, r io.Reader, w io.Writer) (location.Stats, error) {
	return decode(r).replay(plan, cfg, w)
}

// replay feeds every decoded sighting to a fresh engine and writes each
// position to w as soon as the engine finalises it. Three goroutines form
// a pipeline: decoding runs up to replayAhead batches ahead of the engine
// (it starts before the engine is built), the calling goroutine adds the
// sightings and takes part in the engine's barriers, and encoding and
// writing follow on their own goroutine, writeBatch positions behind.
func (d *decoder) replay(plan *floorplans.Plan, cfg location.Config, w io.Writer) (location.Stats, error) {
	eng, err := location.New(plan, cfg)
	if err != nil {
		d.abort()
		return location.Stats{}, err
	}
	pw := newPosWriter(w)
	rp := location.NewReplayer(eng)
	ok := true
	for b := range d.batches {
		for _, s := range b {
			ps, _ := rp.Add(s) // rejected sightings are counted in the engine's stats
			if ok = pw.add(ps); !ok {
				break
			}
		}
		if !ok {
			d.abort()
			break
		}
		select {
		case d.free <- b:
		default:
		}
	}
	derr := <-d.done
	if ok && derr == nil {
		pw.add(rp.Close())
	}
	werr := pw.close()
	if derr != nil && !errors.Is(derr, errStopped) {
		return eng.Stats(), derr
	}
	return eng.Stats(), werr
}

// decoder reads sightings on a goroutine of its own and sends them on
// batches, replayBatch at a time and at most replayAhead batches ahead of
// their reader, until the end of the input or abort. batches is closed at
// the end; then done gives the error that ended it (nil at the end of the
// input, errStopped after abort). The reader hands the batches it is done
// with back on free, for the decoder to fill again (the engine keeps no
// reference to a sighting).
type decoder struct {
	batches chan []location.Sighting
	free    chan []location.Sighting
	done    chan error
	stop    chan struct{}
}

// decode starts decoding r.
func decode(r io.Reader) *decoder {
	d := &decoder{batches: make(chan []location.Sighting, replayAhead), free: make(chan []location.Sighting, replayAhead),
		done: make(chan error, 1), stop: make(chan struct{})}
	go func() {
		defer close(d.batches)
		b := make([]location.Sighting, 0, replayBatch)
		send := func() error {
			select {
			case d.batches <- b:
			case <-d.stop:
				return errStopped
			}
			select {
			case b = <-d.free:
				b = b[:0]
			default:
				b = make([]location.Sighting, 0, replayBatch)
			}
			return nil
		}
		err := jsonl.ReadSightings(r, func(s location.Sighting) error {
			if b = append(b, s); len(b) < replayBatch {
				return nil
			}
			return send()
		})
		if err == nil && len(b) > 0 {
			err = send()
		}
		d.done <- err
	}()
	return d
}

// abort stops the decoder and discards what it decoded.
func (d *decoder) abort() {
	close(d.stop)
	for range d.batches {
	}
}

// posWriter encodes positions as JSON Lines into a writer on a goroutine
// of its own. The caller adds positions and closes it at the end; they
// are handed over writeBatch or more at a time (a barrier yields a few
// dozen: one hand-over each would wake the goroutine for each). close
// gives the first error, if any. failed is closed as soon as writing
// fails; positions added after that are dropped.
type posWriter struct {
	pend   []location.Position
	out    chan []location.Position
	failed chan struct{}
	done   chan error
}

// newPosWriter starts a posWriter into w.
func newPosWriter(w io.Writer) *posWriter {
	pw := &posWriter{out: make(chan []location.Position, writeAhead), failed: make(chan struct{}), done: make(chan error, 1)}
	go func() {
		bw := bufio.NewWriterSize(w, 1<<16)
		var buf []byte
		var err error
		for ps := range pw.out {
			if err != nil {
				continue
			}
			buf = buf[:0]
			for _, p := range ps {
				buf = append(jsonl.AppendPosition(buf, p), '\n')
			}
			if _, err = bw.Write(buf); err != nil {
				close(pw.failed)
			}
		}
		if err == nil {
			err = bw.Flush()
		}
		pw.done <- err
	}()
	return pw
}

// add queues ps for writing; false when writing has failed.
func (pw *posWriter) add(ps []location.Position) bool {
	if pw.pend = append(pw.pend, ps...); len(pw.pend) < writeBatch {
		return true
	}
	return pw.flush()
}

// flush hands the queued positions over; false when writing has failed.
func (pw *posWriter) flush() bool {
	if len(pw.pend) == 0 {
		return true
	}
	select {
	case pw.out <- pw.pend:
		pw.pend = make([]location.Position, 0, 2*writeBatch)
		return true
	case <-pw.failed:
		return false
	}
}

// close writes what is queued, waits for everything to be written and
// returns the first error.
func (pw *posWriter) close() error {
	pw.flush()
	close(pw.out)
	return <-pw.done
}

// replayBatch is how many sightings the decoder hands over at a time, and
// replayAhead how many batches it may be ahead of the engine: 8 of 4,096
// sightings (2 MB), about what it decodes while the engine is built.
const (
	replayBatch = 4096
	replayAhead = 8
)

// writeBatch is how many positions the writer is handed at least at a
// time, and writeAhead how many such hand-overs may wait for it.
const (
	writeBatch = 1024
	writeAhead = 4
)

// errStopped is the decoder's error when the replay stopped it early (the
// engine could not be built, or writing failed).
var errStopped = errors.New("replay: stopped")

// startProfiles starts a CPU profile into cpuPath and an execution trace
// into tracePath, each unless its path is empty, and returns what stops
// them and closes their files.
func startProfiles(cpuPath, tracePath string) (stop func() error, err error) {
	var stops []func() error
	stop = func() error {
		var errs []error
		for _, f := range stops {
			errs = append(errs, f())
		}
		return errors.Join(errs...)
	}
	if cpuPath != "" {
		f, err := os.Create(cpuPath)
		if err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return nil, err
		}
		stops = append(stops, func() error { pprof.StopCPUProfile(); return f.Close() })
	}
	if tracePath != "" {
		f, err := os.Create(tracePath)
		if err == nil {
			if err = trace.Start(f); err != nil {
				f.Close()
			}
		}
		if err != nil {
			return nil, errors.Join(err, stop())
		}
		stops = append(stops, func() error { trace.Stop(); return f.Close() })
	}
	return stop, nil
}

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

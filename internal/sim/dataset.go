package sim

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/jsonl"
	"github.com/hospitalrtls/rtls/rfid"
)

// ErrDuration is returned by WriteDataset for a duration shorter than its
// 100 ms step.
var ErrDuration = errors.New("sim: duration too short")

// datasetStep is WriteDataset's fixed step: a batch is sent at most this
// late, and the same seed always gives the same files.
const datasetStep = 100 * time.Millisecond

// DatasetConfig configures WriteDataset.
type DatasetConfig struct {
	Sim      Config
	Batch    BatchConfig
	Tags     []TagSpec
	Duration time.Duration
}

// DatasetStats counts what WriteDataset wrote.
type DatasetStats struct {
	Batches   int
	Sightings int
	TruthRows int
}

// WriteDataset simulates cfg.Duration as fast as it can and writes
// FORMATS.md JSON Lines: to sightings every sighting in the order the
// batches would reach a server (late ones, duplicates and reordered
// batches included, with their batch seq), and to truth one row per tag
// per second from the start, both ends included. The duration is rounded
// down to a multiple of 100 ms.
func WriteDataset(ctx context.Context, plan *floorplans.Plan, cfg DatasetConfig, sightings, truth io.Writer) (DatasetStats, error) {
	var st DatasetStats
	if cfg.Duration < datasetStep {
		return st, ErrDuration
	}
	s, err := New(plan, cfg.Tags, cfg.Sim)
	if err != nil {
		return st, err
	}
	b := NewBatcher(cfg.Batch)
	sw, tw := bufio.NewWriterSize(sightings, 1<<16), bufio.NewWriterSize(truth, 1<<16)
	var line []byte
	writeTruth := func() error {
		for _, r := range s.Truth() {
			r.X, r.Y = round2(r.X), round2(r.Y)
			line = append(jsonl.AppendTruth(line[:0], r), '\n')
			if _, err := tw.Write(line); err != nil {
				return fmt.Errorf("sim: write truth: %w", err)
			}
			st.TruthRows++
		}
		return nil
	}
	writeBatches := func(now int64, all bool) error {
		batches := b.Flush(now)
		if all {
			batches = append(batches, b.FlushAll()...)
		}
		for _, bt := range batches {
			line = appendBatch(line[:0], bt)
			if _, err := sw.Write(line); err != nil {
				return fmt.Errorf("sim: write sightings: %w", err)
			}
			st.Batches++
			st.Sightings += len(bt.Sightings)
		}
		return nil
	}
	if err := writeTruth(); err != nil {
		return st, err
	}
	for el := datasetStep; el <= cfg.Duration; el += datasetStep {
		if el%time.Second == 0 && ctx.Err() != nil {
			return st, ctx.Err()
		}
		s.Step(datasetStep)
		b.Add(s.Now(), s.Sightings())
		if err := writeBatches(s.Now(), el+datasetStep > cfg.Duration); err != nil {
			return st, err
		}
		if el%time.Second == 0 {
			if err := writeTruth(); err != nil {
				return st, err
			}
		}
	}
	if err := sw.Flush(); err != nil {
		return st, fmt.Errorf("sim: write sightings: %w", err)
	}
	if err := tw.Flush(); err != nil {
		return st, fmt.Errorf("sim: write truth: %w", err)
	}
	return st, nil
}

// appendBatch appends one sightings line per sighting of b, each with the
// batch's reader and seq.
func appendBatch(dst []byte, b rfid.Batch) []byte {
	for _, s := range b.Sightings {
		dst = jsonl.AppendSighting(dst, location.Sighting{TS: s.TS, Reader: b.Reader, Tag: s.Tag, RSSI: s.RSSI, Seq: b.Seq})
		dst = append(dst, '\n')
	}
	return dst
}

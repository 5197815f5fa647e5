package location

import (
	"math"
	"slices"
	"sort"
)

// calibration is the learned RSSI offset of each reader as a function of
// event time. Learning is shared by all tags, so to keep every estimate
// causal (an epoch at t uses nothing observed after t, whatever order the
// tags are processed in) the residuals are kept in event-time buckets and
// an epoch sees only buckets that ended before it.
//
// Each reader's offset is tracked as a scalar Kalman filter over the
// buckets: the offset drifts as a random walk (variance drift dB² per
// second of event time, capped at the prior calPriorDB²), and a bucket's
// mean residual is a measurement whose variance is σ²·(calCorrFrac + 1/n)
// for n readings (the part that does not average out over one bucket:
// readings close in time share one position and its shadowing). So the
// offset moves fast where it is uncertain (a reader's first buckets, or
// the first after a long silence, when the tag or the surroundings may
// have changed) and settles where it has been measured continuously.
//
// It also holds the building's radio model (radio): everything learned
// across tags lives here, is fed only by observation calls (add,
// radio.observe, radio.observeSilence) and read only for an epoch time
// (at, radio.at).
type calibration struct {
	readers []readerCalib
	drift   float64 // process noise, dB² per second
	meas    float64 // σ², dB²
	radio   *radioLearner
}

// readerCalib holds one reader's buckets, sorted by start time.
type readerCalib struct {
	buckets []calBucket
}

// calBucket aggregates the residuals observed in one bucket of event time;
// cum is the offset after applying every bucket up to and including it and
// v its variance.
type calBucket struct {
	start int64
	sum   float64
	n     int
	cum   float64
	v     float64
}

const (
	// calBucketMS is the event-time granularity of learning: an offset learned
	// from a reading takes effect for epochs after its bucket ends.
	calBucketMS = 10_000
	// calMaxBuckets bounds memory per reader: older buckets are folded into
	// the first one (eight hours at 10 s buckets).
	calMaxBuckets = 2880
	// calPriorDB is the spread of a reader's offset before it has been
	// measured (its nominal calibration is a few dB off), and the most its
	// uncertainty grows to however long it goes unmeasured.
	calPriorDB = 3.0
	// calCorrFrac is the fraction of the per-reading variance that a
	// bucket's mean keeps however many readings it holds.
	calCorrFrac = 0.4
)

// newCalibration returns an empty calibration for readers with the
// configuration's prior radio: per-reading residual spread SigmaDB, offset
// drift CalibrationDrift (dB²/s), WallLossDB per wall up to MaxWalls.
func newCalibration(readers int, cfg *Config) *calibration {
	return &calibration{readers: make([]readerCalib, readers), drift: cfg.CalibrationDrift, meas: cfg.SigmaDB * cfg.SigmaDB,
		radio: newRadioLearner(cfg.MaxWalls, cfg.WallLossDB, cfg.SigmaDB, cfg.MissProb, cfg.LearnExponent)}
}

// at returns the offset of reader r for an epoch ending at t: the result of
// every bucket that ended at or before t.
func (c *calibration) at(r int, t int64) float64 {
	b := c.readers[r].buckets
	i := searchCal(b, t-calBucketMS+1)
	if i == 0 {
		return 0
	}
	return b[i-1].cum
}

// searchCal returns the index of the first of b that starts at or after
// start: slices.BinarySearchFunc's, without a copy of a bucket for every
// comparison.
func searchCal(b []calBucket, start int64) int {
	return sort.Search(len(b), func(i int) bool { return b[i].start >= start })
}

// add records a residual (observed minus predicted RSSI, dB) of reader r at t.
func (c *calibration) add(r int, t int64, res float64) {
	rc := &c.readers[r]
	start := floorDiv(t, calBucketMS) * calBucketMS
	i := searchCal(rc.buckets, start)
	if i == len(rc.buckets) || rc.buckets[i].start != start {
		rc.buckets = slices.Insert(rc.buckets, i, calBucket{start: start})
	}
	rc.buckets[i].sum += res
	rc.buckets[i].n++
	rc.recompute(i, c)
	if len(rc.buckets) > calMaxBuckets {
		rc.buckets[1].sum, rc.buckets[1].n = rc.buckets[1].sum+rc.buckets[0].sum, rc.buckets[1].n+rc.buckets[0].n
		rc.buckets = rc.buckets[1:]
	}
}

// recompute refreshes the running offsets from bucket i on.
func (rc *readerCalib) recompute(i int, c *calibration) {
	prev, v, t := 0.0, calPriorDB*calPriorDB, int64(math.MinInt64)
	if i > 0 {
		b := &rc.buckets[i-1]
		prev, v, t = b.cum, b.v, b.start
	}
	for ; i < len(rc.buckets); i++ {
		b := &rc.buckets[i]
		if t != math.MinInt64 {
			v = math.Min(calPriorDB*calPriorDB, v+c.drift*float64(b.start-t)/1000)
		}
		t = b.start
		r := c.meas * (calCorrFrac + 1/float64(b.n))
		k := v / (v + r)
		v *= 1 - k
		prev = math.Max(-maxOffsetDB, math.Min(maxOffsetDB, prev+k*b.sum/float64(b.n)))
		b.cum, b.v = prev, v
	}
}

// latest returns each reader's offset after all buckets.
func (c *calibration) latest(r int) float64 {
	b := c.readers[r].buckets
	if len(b) == 0 {
		return 0
	}
	return b[len(b)-1].cum
}

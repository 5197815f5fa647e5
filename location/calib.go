package location

import (
	"math"
	"slices"
)

// calibration is the learned RSSI offset of each reader as a function of
// event time. Learning is shared by all tags, so to keep every estimate
// causal (an epoch at t uses nothing observed after t, whatever order the
// tags are processed in) the residuals are kept in event-time buckets and
// an epoch sees only buckets that ended before it.
type calibration struct {
	readers []readerCalib
	gain    float64
}

// readerCalib holds one reader's buckets, sorted by start time.
type readerCalib struct {
	buckets []calBucket
}

// calBucket aggregates the residuals observed in one bucket of event time;
// cum is the offset after applying every bucket up to and including it.
type calBucket struct {
	start int64
	sum   float64
	n     int
	cum   float64
}

const (
	// calBucketMS is the event-time granularity of learning: an offset learned
	// from a reading takes effect for epochs after its bucket ends.
	calBucketMS = 10_000
	// calMaxBuckets bounds memory per reader: older buckets are folded into
	// the first one (eight hours at 10 s buckets).
	calMaxBuckets = 2880
)

func newCalibration(readers int, gain float64) *calibration {
	return &calibration{readers: make([]readerCalib, readers), gain: gain}
}

// at returns the offset of reader r for an epoch ending at t: the result of
// every bucket that ended at or before t.
func (c *calibration) at(r int, t int64) float64 {
	b := c.readers[r].buckets
	i, _ := slices.BinarySearchFunc(b, t-calBucketMS+1, func(x calBucket, v int64) int { return cmpInt(x.start, v) })
	if i == 0 {
		return 0
	}
	return b[i-1].cum
}

// add records a residual (observed minus predicted RSSI, dB) of reader r at t.
func (c *calibration) add(r int, t int64, res float64) {
	rc := &c.readers[r]
	start := floorDiv(t, calBucketMS) * calBucketMS
	i, found := slices.BinarySearchFunc(rc.buckets, start, func(x calBucket, v int64) int { return cmpInt(x.start, v) })
	if !found {
		rc.buckets = slices.Insert(rc.buckets, i, calBucket{start: start})
	}
	rc.buckets[i].sum += res
	rc.buckets[i].n++
	rc.recompute(i, c.gain)
	if len(rc.buckets) > calMaxBuckets {
		rc.buckets[1].sum, rc.buckets[1].n = rc.buckets[1].sum+rc.buckets[0].sum, rc.buckets[1].n+rc.buckets[0].n
		rc.buckets = rc.buckets[1:]
	}
}

// recompute refreshes the running offsets from bucket i on.
func (rc *readerCalib) recompute(i int, gain float64) {
	prev := 0.0
	if i > 0 {
		prev = rc.buckets[i-1].cum
	}
	for ; i < len(rc.buckets); i++ {
		b := &rc.buckets[i]
		mean := b.sum / float64(b.n)
		w := float64(b.n) / float64(b.n+5) // a lone reading moves little
		prev = math.Max(-maxOffsetDB, math.Min(maxOffsetDB, prev+gain*w*mean))
		b.cum = prev
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

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

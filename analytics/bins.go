package analytics

import (
	"math"
	"slices"
)

// Dwell histogram: fixed log-spaced bins, mergeable by adding counts. Bin
// 0 holds visits shorter than a second; bin i >= 1 holds lengths in
// [2^((i-1)/8), 2^(i/8)) seconds. A quantile is reported as the geometric
// middle of its bin, so it is within 2^(1/16)-1 < 4.5 % of the exact
// value (within 0.5 s below a second).
const binsPerOctave = 8

// bin returns the histogram bin of a visit length in ms.
func bin(ms int64) int {
	if ms < 1000 {
		return 0
	}
	return 1 + int(math.Floor(binsPerOctave*math.Log2(float64(ms)/1000)))
}

// binValue returns the length in seconds a bin reports.
func binValue(i int) float64 {
	if i == 0 {
		return 0.5
	}
	return math.Exp2((float64(i) - 0.5) / binsPerOctave)
}

// histogram is a merged dwell histogram: counts by bin.
type histogram []int64

// add adds n visits to bin i.
func (h *histogram) add(i int, n int64) {
	if i >= len(*h) {
		*h = slices.Grow(*h, i+1-len(*h))[:i+1]
	}
	(*h)[i] += n
}

// quantile returns the nearest-rank q-quantile (the ceil(q*n)-th smallest
// length) of n counted lengths, in seconds.
func (h histogram) quantile(q float64, n int64) float64 {
	if n == 0 {
		return 0
	}
	rank := max(int64(math.Ceil(q*float64(n))), 1)
	var seen int64
	for i, c := range h {
		seen += c
		if seen >= rank {
			return binValue(i)
		}
	}
	return binValue(len(h) - 1)
}

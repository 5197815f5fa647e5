package analytics

import "math"

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

// histogram is a merged dwell histogram.
type histogram map[int]int64

// quantile returns the nearest-rank q-quantile (the ceil(q*n)-th smallest
// length) of n counted lengths, in seconds.
func (h histogram) quantile(q float64, n int64) float64 {
	if n == 0 {
		return 0
	}
	rank := max(int64(math.Ceil(q*float64(n))), 1)
	top := 0
	for i := range h {
		top = max(top, i)
	}
	var seen int64
	for i := 0; i <= top; i++ {
		seen += h[i]
		if seen >= rank {
			return binValue(i)
		}
	}
	return binValue(top)
}

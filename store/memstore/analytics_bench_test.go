package memstore

import (
	"testing"

	"github.com/hospitalrtls/rtls/store/storetest"
)

// BenchmarkAnalytics answers Dwell, Transitions and Occupancy over 24 h of
// a 5,000-tag ward (storetest.BenchAnalytics).
func BenchmarkAnalytics(b *testing.B) {
	storetest.BenchAnalytics(b, New(Options{}))
}

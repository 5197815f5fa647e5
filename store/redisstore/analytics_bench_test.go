package redisstore

import (
	"testing"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/store/storetest"
)

// BenchmarkAnalytics answers Dwell, Transitions and Occupancy over 24 h of
// a 5,000-tag ward from a real redis-server (storetest.BenchAnalytics).
func BenchmarkAnalytics(b *testing.B) {
	storetest.BenchAnalytics(b, open(b, Options{URL: redistest.StartServer(b).URL(), Site: nextSite()}))
}

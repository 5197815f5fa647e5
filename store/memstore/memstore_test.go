package memstore

import (
	"testing"

	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, r storetest.Retention) store.Store {
		s := New(Options{EventMaxLen: r.MaxLen, EventMaxAge: r.MaxAge, TrailMaxAge: r.TrailMaxAge, AnalyticsMaxAge: r.AnalyticsMaxAge})
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

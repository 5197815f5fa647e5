package redisstore

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/internal/testlog"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/storetest"
	"github.com/redis/go-redis/v9"
)

// quiet is the logger of tests: off unless testlog.Env is set.
var quiet = testlog.Logger()

func TestMain(m *testing.M) {
	if !testlog.On() {
		redis.SetLogger(discard{}) // go-redis logs reconnects to stderr
	}
	os.Exit(m.Run())
}

// discard is a go-redis logger that logs nothing.
type discard struct{}

func (discard) Printf(context.Context, string, ...any) {}

// siteSeq gives each store of a test its own site, so stores on one
// redis-server share nothing.
var siteSeq atomic.Int64

func nextSite() string { return fmt.Sprintf("test-%d", siteSeq.Add(1)) }

func TestContract(t *testing.T) {
	url := redistest.StartServer(t).URL()
	storetest.Run(t, func(t *testing.T, r storetest.Retention) store.Store {
		return open(t, Options{URL: url, Site: nextSite(), EventMaxLen: r.MaxLen, EventMaxAge: r.MaxAge, TrailMaxAge: r.TrailMaxAge, AnalyticsMaxAge: r.AnalyticsMaxAge})
	})
}

// open returns a store closed in t.Cleanup.
func open(t testing.TB, opts Options) *Store {
	t.Helper()
	opts.Logger = quiet
	s, err := New(t.Context(), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

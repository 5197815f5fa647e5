package api

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc/codes"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/internal/testlog"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

// TestWatchEventsAfterStoreLoss resumes watches on a real redis-server
// that lost events: an after_id the store issued but no longer holds gets
// OUT_OF_RANGE, whether the newest events are gone (as after a failover
// to a replica that lagged, made here with XDEL) or everything (FLUSHALL).
func TestWatchEventsAfterStoreLoss(t *testing.T) {
	rs := redistest.StartServer(t)
	st, err := redisstore.New(context.Background(), redisstore.Options{URL: rs.URL(), Site: "loss", Logger: testlog.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	env := startEnv(t, envConfig{positions: st, events: st})
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	t.Cleanup(func() { rdb.Close() })
	ctx := t.Context()
	apply := func(n int) []string {
		t.Helper()
		var ids []string
		for i := range n {
			evs, err := st.Apply(ctx, store.Update{Events: eventsOf(i)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, evs[0].ID)
		}
		return ids
	}
	// resume opens a watch after id and reports how it started.
	resume := func(after string) error {
		wctx, cancel := context.WithCancel(testContext(t))
		defer cancel()
		stream, err := env.events.WatchEvents(wctx, &rtlsv1.WatchEventsRequest{AfterId: after})
		if err != nil {
			return err
		}
		if md, err := stream.Header(); err == nil && md != nil {
			return nil // the start is fixed: the watch runs
		}
		_, err = stream.Recv()
		return err
	}
	ok := func(after string) {
		t.Helper()
		if err := resume(after); err != nil {
			t.Fatalf("after_id %s: %v", after, err)
		}
	}

	seen := apply(3)
	ok(seen[2])
	// The newest two events are lost; the store goes on with new ones.
	if err := rdb.XDel(ctx, "rtls:{loss}:events", seen[1], seen[2]).Err(); err != nil {
		t.Fatal(err)
	}
	apply(2)
	wantStatus(t, resume(seen[2]), codes.OutOfRange, "lost events")
	wantStatus(t, resume(seen[1]), codes.OutOfRange, "lost events")
	ok(seen[0])

	if err := rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, resume(seen[0]), codes.OutOfRange, "lost events")
	ok("0")
	fresh := apply(1)
	wantStatus(t, resume(seen[0]), codes.OutOfRange, fresh[0])
	ok(fresh[0])
}

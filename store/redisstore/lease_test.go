package redisstore_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/alert"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

func openSite(t *testing.T, url, site string) *redisstore.Store {
	t.Helper()
	st, err := redisstore.New(context.Background(), redisstore.Options{URL: url, Site: site})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestLeaseFencing: one holder at a time per site; the tokens increase; once a
// second owner was granted the lease, every write of the first (apply,
// apply with battery levels, expiry, log trim) fails with ErrFenced and
// changes nothing, while the new owner's writes pass.
func TestLeaseFencing(t *testing.T) {
	url := redistest.StartServer(t).URL()
	st := openSite(t, url, "lease")
	ctx := t.Context()
	const ttl = 200 * time.Millisecond
	tokA, ok, err := st.AcquireLease(ctx, "a", ttl)
	if err != nil || !ok || tokA == 0 {
		t.Fatalf("AcquireLease(a) = %d, %v, %v; want a token, true", tokA, ok, err)
	}
	if _, ok, err := st.AcquireLease(ctx, "b", ttl); err != nil || ok {
		t.Fatalf("AcquireLease(b) while a holds it = %v, %v; want false", ok, err)
	}
	if _, ok, err := openSite(t, url, "lease-2").AcquireLease(ctx, "b", ttl); err != nil || !ok {
		t.Fatalf("AcquireLease(b) of another site = %v, %v; want true: leases are per site", ok, err)
	}
	if ok, err := st.RenewLease(ctx, "a", "", tokA, ttl); err != nil || !ok {
		t.Fatalf("RenewLease(a) = %v, %v; want true", ok, err)
	}
	// a restarted "a" gets its lease back at once, with a new token that
	// fences the earlier run out
	restarted, ok, err := st.AcquireLease(ctx, "a", ttl)
	if err != nil || !ok || restarted <= tokA {
		t.Fatalf("AcquireLease(a) again = %d, %v, %v; want a token above %d", restarted, ok, err, tokA)
	}
	if _, err := st.Fenced(tokA).Apply(ctx, store.Update{Watermark: 1}); !errors.Is(err, redisstore.ErrFenced) {
		t.Fatalf("the earlier run's Apply = %v; want ErrFenced", err)
	}
	if ok, err := st.RenewLease(ctx, "a", "", tokA, ttl); err != nil || ok {
		t.Fatalf("the earlier run's RenewLease = %v, %v; want false", ok, err)
	}
	tokA = restarted
	a := st.Fenced(tokA)
	pos := func(ts int64) store.Update {
		return store.Update{Positions: []location.Position{{Tag: "t1", TS: ts, Level: "L0", Room: "R1"}}, Watermark: ts}
	}
	if _, err := a.Apply(ctx, pos(1000)); err != nil {
		t.Fatalf("owner's Apply: %v", err)
	}
	// a pauses past its lease; b takes over
	time.Sleep(2 * ttl)
	tokB, ok, err := st.AcquireLease(ctx, "b", ttl)
	if err != nil || !ok || tokB <= tokA {
		t.Fatalf("AcquireLease(b) = %d, %v, %v; want a token above %d, true", tokB, ok, err, tokA)
	}
	if ok, err := st.RenewLease(ctx, "a", "", tokA, ttl); err != nil || ok {
		t.Fatalf("RenewLease(a) after b took the lease = %v, %v; want false", ok, err)
	}
	if _, err := a.Apply(ctx, pos(2000)); !errors.Is(err, redisstore.ErrFenced) {
		t.Fatalf("stale Apply = %v; want ErrFenced", err)
	}
	withBattery := pos(2000)
	withBattery.Batteries = []alert.Battery{{Tag: "t1", Percent: 5, TS: 2000, Low: true}}
	if _, err := a.Apply(ctx, withBattery); !errors.Is(err, redisstore.ErrFenced) {
		t.Fatalf("stale Apply with a battery = %v; want ErrFenced", err)
	}
	if _, err := a.ExpirePositions(ctx, 5000); !errors.Is(err, redisstore.ErrFenced) {
		t.Fatalf("stale ExpirePositions = %v; want ErrFenced", err)
	}
	if _, err := st.AppendIngest(ctx, []byte("x"), 9_999, 9_999, 10, 0); err != nil {
		t.Fatal(err)
	}
	if err := a.TrimIngest(ctx, "9999999999999-0"); !errors.Is(err, redisstore.ErrFenced) {
		t.Fatalf("stale TrimIngest = %v; want ErrFenced", err)
	}
	if n, err := st.IngestLen(ctx); err != nil || n != 1 {
		t.Fatalf("IngestLen after a stale trim = %d, %v; want 1", n, err)
	}
	p, err := st.GetPosition(ctx, "t1")
	if err != nil || p.TS != 1000 {
		t.Fatalf("position after stale writes = %+v, %v; want TS 1000", p, err)
	}
	if bs, err := st.ListBatteries(ctx, store.BatteryQuery{MaxPercent: 100}); err != nil || len(bs.Batteries) != 0 {
		t.Fatalf("batteries after a stale write = %+v, %v; want none", bs, err)
	}
	b := st.Fenced(tokB)
	if _, err := b.Apply(ctx, pos(3000)); err != nil {
		t.Fatalf("new owner's Apply: %v", err)
	}
	if wm, err := st.IngestWatermark(ctx); err != nil || wm != 3000 {
		t.Fatalf("IngestWatermark = %d, %v; want 3000", wm, err)
	}
	if err := st.ReleaseLease(ctx, "b", tokB); err != nil {
		t.Fatal(err)
	}
	tokC, ok, err := st.AcquireLease(ctx, "a", ttl)
	if err != nil || !ok || tokC <= tokB {
		t.Fatalf("AcquireLease after release = %d, %v, %v; want a token above %d, true", tokC, ok, err, tokB)
	}
}

// TestLeaseAfterWipe: when the site's keys are lost (FLUSHALL), the
// owner's writes get ErrFenceLost until it renews by taking the lease
// again with its token, and a later owner still
// gets a higher token; an owner whose lease merely expired takes it again
// if no one was granted it since.
func TestLeaseAfterWipe(t *testing.T) {
	rs := redistest.StartServer(t)
	st := openSite(t, rs.URL(), "wipe")
	ctx := t.Context()
	const ttl = 200 * time.Millisecond
	tok, ok, err := st.AcquireLease(ctx, "a", ttl)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	defer rdb.Close()
	if err := rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	f := st.Fenced(tok)
	withBattery := store.Update{Batteries: []alert.Battery{{Tag: "t1", Percent: 5, TS: 2000, Low: true}}}
	if _, err := f.Apply(ctx, withBattery); !errors.Is(err, redisstore.ErrFenceLost) {
		t.Fatalf("Apply after FLUSHALL = %v; want ErrFenceLost", err)
	}
	if _, err := f.ExpirePositions(ctx, 1); !errors.Is(err, redisstore.ErrFenceLost) {
		t.Fatalf("ExpirePositions after FLUSHALL = %v; want ErrFenceLost", err)
	}
	if err := f.TrimIngest(ctx, "1-0"); !errors.Is(err, redisstore.ErrFenceLost) {
		t.Fatalf("TrimIngest after FLUSHALL = %v; want ErrFenceLost", err)
	}
	if ok, err := st.RenewLease(ctx, "a", "", tok, ttl); err != nil || !ok {
		t.Fatalf("RenewLease after FLUSHALL = %v, %v; want true", ok, err)
	}
	if _, err := f.Apply(ctx, withBattery); err != nil {
		t.Fatalf("owner's Apply after the renewal: %v", err)
	}
	time.Sleep(2 * ttl) // expired, no one took it
	if ok, err := st.RenewLease(ctx, "a", "", tok, ttl); err != nil || !ok {
		t.Fatalf("RenewLease after expiry with no new owner = %v, %v; want true", ok, err)
	}
	if err := st.ReleaseLease(ctx, "a", tok); err != nil {
		t.Fatal(err)
	}
	if tokB, ok, err := st.AcquireLease(ctx, "b", ttl); err != nil || !ok || tokB <= tok {
		t.Fatalf("AcquireLease(b) = %d, %v, %v; want a token above %d", tokB, ok, err, tok)
	}
}

// TestLeaseHolderAddress: the owner's published address is read with
// the lease, kept by renewals (also one that takes the lease again after
// a FLUSHALL), and gone with a release; names with white space are
// refused.
func TestLeaseHolderAddress(t *testing.T) {
	rs := redistest.StartServer(t)
	st := openSite(t, rs.URL(), "addr")
	ctx := t.Context()
	const ttl = time.Minute
	if _, ok, err := st.LeaseHolder(ctx); err != nil || ok {
		t.Fatalf("LeaseHolder with no lease = %v, %v; want none", ok, err)
	}
	if _, _, err := st.AcquireLeaseAt(ctx, "a b", "h:1", ttl); !errors.Is(err, redisstore.ErrLeaseName) {
		t.Fatalf("AcquireLeaseAt with a space in the name = %v; want ErrLeaseName", err)
	}
	tok, ok, err := st.AcquireLeaseAt(ctx, "a", "10.0.0.1:50051", ttl)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	want := redisstore.LeaseHolder{Owner: "a", Token: tok, Addr: "10.0.0.1:50051"}
	check := func(when string) {
		t.Helper()
		h, ok, err := st.LeaseHolder(ctx)
		if err != nil || !ok || h != want {
			t.Fatalf("LeaseHolder %s = %+v, %v, %v; want %+v", when, h, ok, err, want)
		}
	}
	check("after acquiring")
	if ok, err := st.RenewLease(ctx, "a", "10.0.0.1:50051", tok, ttl); err != nil || !ok {
		t.Fatalf("RenewLease = %v, %v", ok, err)
	}
	check("after renewing")
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	defer rdb.Close()
	if err := rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if ok, err := st.RenewLease(ctx, "a", "10.0.0.1:50051", tok, ttl); err != nil || !ok {
		t.Fatalf("RenewLease after FLUSHALL = %v, %v", ok, err)
	}
	check("after a renewal took it again")
	if _, ok, err := st.AcquireLeaseAt(ctx, "b", "10.0.0.2:50051", ttl); err != nil || ok {
		t.Fatalf("AcquireLeaseAt(b) while a holds it = %v, %v; want false", ok, err)
	}
	if err := st.ReleaseLease(ctx, "a", tok); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := st.LeaseHolder(ctx); err != nil || ok {
		t.Fatalf("LeaseHolder after the release = %v, %v; want none", ok, err)
	}
}

// TestHostEngines: a host's count of engines leaves out the asking site,
// drops a mark at its expiry or removal, and is per host.
func TestHostEngines(t *testing.T) {
	url := redistest.StartServer(t).URL()
	north, south := openSite(t, url, "north"), openSite(t, url, "south")
	ctx := t.Context()
	count := func(st *redisstore.Store, host string) int {
		t.Helper()
		n, err := st.HostEngines(ctx, host)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := north.MarkHostEngine(ctx, "h1", 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if n, m, o := count(south, "h1"), count(north, "h1"), count(south, "h2"); n != 1 || m != 0 || o != 0 {
		t.Fatalf("engines on h1 for south, on h1 for north, on h2 = %d, %d, %d; want 1, 0, 0", n, m, o)
	}
	time.Sleep(400 * time.Millisecond)
	if n := count(south, "h1"); n != 0 {
		t.Fatalf("engines on h1 after the mark expired = %d; want 0", n)
	}
	if err := north.MarkHostEngine(ctx, "h1", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := north.UnmarkHostEngine(ctx, "h1"); err != nil {
		t.Fatal(err)
	}
	if n := count(south, "h1"); n != 0 {
		t.Fatalf("engines on h1 after the unmark = %d; want 0", n)
	}
}

// TestIngestLog: appends are read back in order after an id; a full log
// refuses; the watermark keeps the highest; a trim drops the prefix.
func TestIngestLog(t *testing.T) {
	st := openSite(t, redistest.StartServer(t).URL(), "log")
	ctx := t.Context()
	var ids []string
	for _, b := range []string{"a", "b", "c"} {
		id, err := st.AppendIngest(ctx, []byte(b), 1, 1, 3, 0)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if _, err := st.AppendIngest(ctx, []byte("d"), 1, 1, 3, 0); !errors.Is(err, redisstore.ErrLogFull) {
		t.Fatalf("append to a full log = %v; want ErrLogFull", err)
	}
	es, err := st.ReadIngest(ctx, ids[0], 10, 0)
	if err != nil || len(es) != 2 || string(es[0].Data) != "b" || es[1].ID != ids[2] {
		t.Fatalf("ReadIngest after the first = %+v, %v", es, err)
	}
	tok, _, err := st.AcquireLease(ctx, "me", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	f := st.Fenced(tok)
	if err := f.TrimIngest(ctx, ids[2]); err != nil {
		t.Fatal(err)
	}
	es, err = st.ReadIngest(ctx, "0", 10, 0)
	if err != nil || len(es) != 1 || es[0].ID != ids[2] {
		t.Fatalf("ReadIngest after the trim = %+v, %v", es, err)
	}
	for _, wm := range []int64{500, 300} {
		if _, err := f.Apply(ctx, store.Update{Watermark: wm}); err != nil {
			t.Fatal(err)
		}
	}
	if wm, err := st.IngestWatermark(ctx); err != nil || wm != 500 {
		t.Fatalf("IngestWatermark = %d, %v; want 500", wm, err)
	}
}

// TestIngestLogBehind: a batch at or before the written watermark or the
// owner's ingest bar is refused as late (ErrLogLate), one across the bar
// as partly late; the bar only rises. With a bound, an append is refused (ErrLogBehind)
// once the oldest entry after the consumer's cursor is older than the
// bound, and taken again once the cursor moves past it; without a
// cursor (no engine consuming: a new owner will resume from the log) or
// with a stale token's cursor nothing is refused for lag.
func TestIngestLogBehind(t *testing.T) {
	srv := redistest.StartServer(t)
	st := openSite(t, srv.URL(), "lag")
	ctx := t.Context()
	// a batch the engine finalised already (written watermark 5000)
	opt, err := redis.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	if err := rdb.Set(ctx, "rtls:{lag}:ingest:wm", 5000, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AppendIngest(ctx, []byte("w"), 5000, 5000, 10, 0); !errors.Is(err, redisstore.ErrLogLate) {
		t.Fatalf("append of a batch at the written watermark = %v; want ErrLogLate", err)
	}
	if _, err := st.AppendIngest(ctx, []byte("w"), 5001, 5001, 10, 0); err != nil {
		t.Fatalf("append of a batch after the written watermark = %v", err)
	}
	if err := rdb.Del(ctx, "rtls:{lag}:ingest:wm").Err(); err != nil {
		t.Fatal(err)
	}
	// the owner raises the bar: it gets the newest entry's id; a batch
	// with sightings on both sides of the bar is refused as partly late
	tokBar, _, err := st.AcquireLease(ctx, "bar", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	newestID, err := st.AppendIngest(ctx, []byte("x"), 7000, 7000, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	if last, err := st.Fenced(tokBar).RaiseIngestBar(ctx, 6000); err != nil || last != newestID {
		t.Fatalf("RaiseIngestBar = %q, %v; want the newest entry %q", last, err, newestID)
	}
	var partly *redisstore.PartlyLateError
	if _, err := st.AppendIngest(ctx, []byte("y"), 5000, 6500, 100, 0); !errors.As(err, &partly) || partly.Bar != 6000 {
		t.Fatalf("append across the bar = %v; want PartlyLateError at 6000", err)
	}
	if _, err := st.AppendIngest(ctx, []byte("y"), 6000, 6000, 100, 0); !errors.Is(err, redisstore.ErrLogLate) {
		t.Fatalf("append at the bar = %v; want ErrLogLate", err)
	}
	if _, err := st.Fenced(tokBar).RaiseIngestBar(ctx, 5000); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AppendIngest(ctx, []byte("y"), 5500, 5500, 100, 0); !errors.Is(err, redisstore.ErrLogLate) {
		t.Fatalf("after a lower bar was asked, append at 5500 = %v; want ErrLogLate (the bar never goes back)", err)
	}
	if err := st.ReleaseLease(ctx, "bar", tokBar); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Del(ctx, "rtls:{lag}:ingest:bar", "rtls:{lag}:ingest").Err(); err != nil {
		t.Fatal(err)
	}
	const bound = 50 * time.Millisecond
	first, err := st.AppendIngest(ctx, []byte("a"), 1, 1, 100, bound)
	if err != nil {
		t.Fatal(err)
	}
	// Redis's clock moves on: the entry gets older than the bound
	for {
		id, err := st.AppendIngest(ctx, []byte("b"), 1, 1, 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		ms := func(id string) int64 { n, _ := strconv.ParseInt(strings.Split(id, "-")[0], 10, 64); return n }
		if ms(id)-ms(first) > 2*bound.Milliseconds() {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := st.AppendIngest(ctx, []byte("c"), 1, 1, 100, bound); err != nil {
		t.Fatalf("append with no engine consuming = %v; want it taken", err)
	}
	tok, _, err := st.AcquireLease(ctx, "me", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	f := st.Fenced(tok)
	if err := f.SetIngestCursor(ctx, "0-1", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AppendIngest(ctx, []byte("d"), 1, 1, 100, bound); !errors.Is(err, redisstore.ErrLogBehind) {
		t.Fatalf("append while the oldest untaken entry is older than the bound = %v; want ErrLogBehind", err)
	}
	es, err := st.ReadIngest(ctx, "0", 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetIngestCursor(ctx, es[len(es)-1].ID, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AppendIngest(ctx, []byte("e"), 1, 1, 100, bound); err != nil {
		t.Fatalf("append once the engine took every entry = %v; want it taken", err)
	}
	if err := st.ReleaseLease(ctx, "me", tok); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := st.AcquireLease(ctx, "other", time.Minute); err != nil || !ok {
		t.Fatalf("AcquireLease(other) = %v, %v", ok, err)
	}
	if err := f.SetIngestCursor(ctx, "0-1", time.Minute); !errors.Is(err, redisstore.ErrFenced) {
		t.Fatalf("cursor of a stale token = %v; want ErrFenced", err)
	}
}

package redisstore_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

// TestGeneration: the first call creates the marker, later ones find it;
// after FLUSHALL the next call creates it again, which tells of the loss.
func TestGeneration(t *testing.T) {
	rs := redistest.StartServer(t)
	st, err := redisstore.New(context.Background(), redisstore.Options{URL: rs.URL(), Site: "gen"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := t.Context()
	check := func(id, wantStored string, wantCreated bool) {
		t.Helper()
		stored, created, err := st.Generation(ctx, id)
		if err != nil || stored != wantStored || created != wantCreated {
			t.Fatalf("Generation(%q) = %q, %v, %v; want %q, %v", id, stored, created, err, wantStored, wantCreated)
		}
	}
	check("a", "a", true)
	check("b", "a", false) // another server of the site adopts "a"
	check("a", "a", false)
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	defer rdb.Close()
	if err := rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	check("a", "a", true)
}

// TestRolledBack: a stored Seq below an acknowledged one (Redis lost the
// newest writes) is counted once, by the next Apply or the next
// Generation, whichever comes first; later calls take the stored Seq as
// the reference and count nothing more.
func TestRolledBack(t *testing.T) {
	rs := redistest.StartServer(t)
	st, err := redisstore.New(context.Background(), redisstore.Options{URL: rs.URL(), Site: "rolled"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := t.Context()
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	defer rdb.Close()
	apply := func(seq uint64) {
		t.Helper()
		u := store.Update{Seq: seq, Positions: []location.Position{{TS: int64(seq), Tag: "T", Level: "L0"}}}
		if _, err := st.Apply(ctx, u); err != nil {
			t.Fatalf("Apply(%d): %v", seq, err)
		}
	}
	setSeq := func(v string) {
		t.Helper()
		if err := rdb.Set(ctx, "rtls:{rolled}:seq", v, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	want := func(n uint64) {
		t.Helper()
		if got := st.RolledBack(); got != n {
			t.Fatalf("RolledBack = %d, want %d", got, n)
		}
	}
	if _, _, err := st.Generation(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	for seq := range uint64(5) {
		apply(seq + 1)
	}
	want(0)
	setSeq("3") // updates 4 and 5 lost
	if _, _, err := st.Generation(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	want(1)
	if _, _, err := st.Generation(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	apply(6)
	want(1)
	setSeq("2") // update 6 lost, found by the next write
	apply(7)
	want(2)
	if err := rdb.Del(ctx, "rtls:{rolled}:seq").Err(); err != nil { // all lost
		t.Fatal(err)
	}
	apply(8)
	want(3)
	apply(9)
	want(3)
}

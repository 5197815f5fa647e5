package redisstore_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/hospitalrtls/rtls/internal/redistest"
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

package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/store"
)

func testExpire(t *testing.T, open Opener) {
	s := open(t, Retention{})
	apply(t, s, store.Update{Positions: []location.Position{
		pos("A", "L0", "R1", 1000),
		pos("B", "L0", "R1", 2000),
		pos("C", "L1", "R2", 3000),
		pos("D", "L1", "", 1500),
	}})
	expire(t, s, 2000, 2) // A and D: older than 2000; B is not
	for _, tag := range []string{"A", "D"} {
		if _, err := s.GetPosition(ctx(t), tag); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetPosition(%q) after expiry: %v, want ErrNotFound", tag, err)
		}
	}
	for _, c := range []struct {
		q    store.Query
		want []string
	}{
		{store.Query{}, []string{"B", "C"}},
		{store.Query{Room: "R1"}, []string{"B"}},
		{store.Query{Level: "L0"}, []string{"B"}},
		{store.Query{Level: "L1"}, []string{"C"}},
	} {
		if got := listTags(t, s, c.q); !slices.Equal(got, c.want) {
			t.Errorf("ListPositions(%+v) after expiry = %q, want %q", c.q, got, c.want)
		}
	}
	expire(t, s, 2000, 0)
	// An expired tag seen again is a new tag, whatever its time.
	apply(t, s, store.Update{Positions: []location.Position{pos("A", "L1", "R2", 500)}})
	if got := listTags(t, s, store.Query{Room: "R2"}); !slices.Equal(got, []string{"A", "C"}) {
		t.Errorf("room R2 after A came back = %q, want [A C]", got)
	}
}

// testExpireMany expires more tags than one round of a chunked
// implementation takes.
func testExpireMany(t *testing.T, open Opener) {
	s := open(t, Retention{})
	const n = 4500
	ps := make([]location.Position, n)
	for i := range ps {
		ps[i] = pos(fmt.Sprintf("FLOOD-%05d", i), "L0", fmt.Sprintf("R%d", i%7), int64(1000+i%2))
	}
	apply(t, s, store.Update{Positions: ps})
	expire(t, s, 1001, n/2)
	if got := len(listTags(t, s, store.Query{})); got != n/2 {
		t.Errorf("%d tags left, want %d", got, n/2)
	}
	expire(t, s, 5000, n/2)
	if got := listTags(t, s, store.Query{Level: "L0"}); len(got) != 0 {
		t.Errorf("%d tags left on L0, want none", len(got))
	}
}

func expire(t *testing.T, s store.Store, before int64, want int) {
	t.Helper()
	n, err := s.ExpirePositions(ctx(t), before)
	if err != nil {
		t.Fatalf("ExpirePositions(%d): %v", before, err)
	}
	if n != want {
		t.Errorf("ExpirePositions(%d) deleted %d tags, want %d", before, n, want)
	}
}

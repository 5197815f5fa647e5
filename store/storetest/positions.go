package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/store"
)

func testPositions(t *testing.T, open Opener) {
	run(t, open, []named{
		{"GetUnknown", testGetUnknown},
		{"ApplyThenGet", testApplyThenGet},
		{"OlderSkipped", testOlderSkipped},
		{"MoveLeavesOldRoom", testMoveLeavesOldRoom},
		{"Filters", testFilters},
		{"GetMany", testGetMany},
	})
}

func testGetUnknown(t *testing.T, open Opener) {
	s := open(t, Retention{})
	apply(t, s, store.Update{Positions: []location.Position{pos("KNOWN", "L0", "R1", 1)}})
	for _, tag := range []string{"NOBODY", "", "KNOWN "} {
		if _, err := s.GetPosition(ctx(t), tag); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetPosition(%q) error = %v, want ErrNotFound", tag, err)
		}
	}
}

func testApplyThenGet(t *testing.T, open Opener) {
	s := open(t, Retention{})
	want := []location.Position{
		pos("PUMP-008", "L0", "L0-S03", 1763719201000),
		{TS: 1763719201500, Tag: "STAFF-\"1\"\n\u00e9", Level: "L1", X: 1e-7, Y: 123456.789}, // no room
		{TS: 1763719201600, Tag: "ZERO"},                                                     // no level either
	}
	apply(t, s, store.Update{Positions: want})
	for _, w := range want {
		got, err := s.GetPosition(ctx(t), w.Tag)
		if err != nil {
			t.Fatalf("GetPosition(%q): %v", w.Tag, err)
		}
		if got != w {
			t.Errorf("GetPosition = %+v, want %+v", got, w)
		}
	}
	if got := listTags(t, s, store.Query{}); !slices.Equal(got, []string{"PUMP-008", "STAFF-\"1\"\n\u00e9", "ZERO"}) {
		t.Errorf("ListPositions tags = %q", got)
	}
}

func testOlderSkipped(t *testing.T, open Opener) {
	s := open(t, Retention{})
	apply(t, s, store.Update{Positions: []location.Position{pos("T", "L0", "A", 2000)}})
	apply(t, s, store.Update{Positions: []location.Position{pos("T", "L0", "B", 1000)}})
	if got := get(t, s, "T"); got.TS != 2000 || got.Room != "A" {
		t.Fatalf("after an older position: %+v, want ts 2000 in A", got)
	}
	if tags := listTags(t, s, store.Query{Room: "B"}); len(tags) != 0 {
		t.Fatalf("room B lists %q after a skipped position", tags)
	}
	apply(t, s, store.Update{Positions: []location.Position{pos("T", "L0", "C", 2000)}})
	if got := get(t, s, "T"); got.Room != "C" {
		t.Fatalf("a position with equal ts did not replace: %+v", got)
	}
	// Within one update positions apply in order.
	apply(t, s, store.Update{Positions: []location.Position{
		pos("T", "L0", "D", 3000), pos("T", "L0", "E", 2500), pos("T", "L0", "F", 3000)}})
	if got := get(t, s, "T"); got.Room != "F" {
		t.Fatalf("after D, E (older), F: room %q, want F", got.Room)
	}
	for _, room := range []string{"A", "C", "D", "E"} {
		if tags := listTags(t, s, store.Query{Room: room}); len(tags) != 0 {
			t.Errorf("room %s lists %q", room, tags)
		}
	}
}

func testMoveLeavesOldRoom(t *testing.T, open Opener) {
	s := open(t, Retention{})
	apply(t, s, store.Update{Positions: []location.Position{
		pos("T1", "L0", "A", 1), pos("T2", "L0", "A", 1)}})
	apply(t, s, store.Update{Positions: []location.Position{pos("T1", "L1", "B", 2)}})
	want := map[store.Query][]string{
		{Room: "A"}:   {"T2"},
		{Room: "B"}:   {"T1"},
		{Level: "L0"}: {"T2"},
		{Level: "L1"}: {"T1"},
		{}:            {"T1", "T2"},
	}
	for q, w := range want {
		if got := listTags(t, s, q); !slices.Equal(got, w) {
			t.Errorf("ListPositions(%+v) = %q, want %q", q, got, w)
		}
	}
	// Leaving every room empties the last one.
	apply(t, s, store.Update{Positions: []location.Position{pos("T2", "L0", "", 3)}})
	if got := listTags(t, s, store.Query{Room: "A"}); len(got) != 0 {
		t.Errorf("room A after its last tag left = %q", got)
	}
}

func testFilters(t *testing.T, open Opener) {
	s := open(t, Retention{})
	apply(t, s, store.Update{Positions: []location.Position{
		pos("A1", "L0", "R0", 1), pos("A2", "L0", "R0", 1), pos("A3", "L0", "", 1),
		pos("B1", "L1", "R1", 1), pos("B2", "L1", "R2", 1)}})
	tests := []struct {
		name string
		q    store.Query
		want []string
	}{
		{"all", store.Query{}, []string{"A1", "A2", "A3", "B1", "B2"}},
		{"level", store.Query{Level: "L0"}, []string{"A1", "A2", "A3"}},
		{"room", store.Query{Room: "R0"}, []string{"A1", "A2"}},
		{"room and its level", store.Query{Level: "L1", Room: "R2"}, []string{"B2"}},
		{"room and another level", store.Query{Level: "L0", Room: "R2"}, nil},
		{"unknown level", store.Query{Level: "L9"}, nil},
		{"unknown room", store.Query{Room: "R9"}, nil},
		{"small page", store.Query{Level: "L1", PageSize: 1}, []string{"B1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := s.ListPositions(ctx(t), tt.q)
			if err != nil {
				t.Fatalf("ListPositions: %v", err)
			}
			if got := tagsOf(page.Positions); !slices.Equal(got, tt.want) {
				t.Errorf("tags = %q, want %q", got, tt.want)
			}
		})
	}
}

// get returns the position of tag and fails the test on error.
func get(t *testing.T, s store.Store, tag string) location.Position {
	t.Helper()
	p, err := s.GetPosition(ctx(t), tag)
	if err != nil {
		t.Fatalf("GetPosition: %v", err)
	}
	return p
}

// listTags returns the tags of every page of q, failing on error.
func listTags(t *testing.T, s store.Store, q store.Query) []string {
	t.Helper()
	var tags []string
	for range 10_000 {
		page, err := s.ListPositions(ctx(t), q)
		if err != nil {
			t.Fatalf("ListPositions(%+v): %v", q, err)
		}
		tags = append(tags, tagsOf(page.Positions)...)
		if page.NextPageToken == "" {
			return tags
		}
		q.PageToken = page.NextPageToken
	}
	t.Fatal("ListPositions: endless pages")
	return nil
}

func tagsOf(ps []location.Position) []string {
	var tags []string
	for _, p := range ps {
		tags = append(tags, p.Tag)
	}
	return tags
}

func testGetMany(t *testing.T, open Opener) {
	s := open(t, Retention{})
	if got, err := s.GetPositions(ctx(t), nil); err != nil || len(got) != 0 {
		t.Fatalf("GetPositions(nil) = %v, %v; want none", got, err)
	}
	var ps []location.Position
	var ask []string
	for i := range 2500 { // more than one batch of a store that batches
		tag := fmt.Sprintf("T%05d", i)
		if i%3 != 0 {
			ps = append(ps, pos(tag, fmt.Sprint("L", i%2), []string{"", "R1", "R2"}[i%3], int64(1000+i)))
		}
		ask = append(ask, tag)
	}
	apply(t, s, store.Update{Positions: ps})
	slices.Reverse(ask) // the answer follows the order asked, not the tag order
	got, err := s.GetPositions(ctx(t), append(ask, "NOBODY"))
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(ps)
	slices.Reverse(want)
	if !slices.Equal(got, want) {
		t.Fatalf("GetPositions: got %d positions, want %d in the order asked", len(got), len(want))
	}
	rooms, err := s.GetRooms(ctx(t), append(ask, "NOBODY"))
	if err != nil {
		t.Fatal(err)
	}
	wantRooms := make([]store.TagRoom, len(want))
	for i, p := range want {
		wantRooms[i] = store.TagRoom{Tag: p.Tag, Level: p.Level, Room: p.Room}
	}
	if !slices.Equal(rooms, wantRooms) {
		t.Fatalf("GetRooms: got %d rooms, want %d in the order asked", len(rooms), len(wantRooms))
	}
	apply(t, s, store.Update{Positions: []location.Position{pos(ask[0], "L1", "", 9000)}}) // left its room
	if rooms, err := s.GetRooms(ctx(t), ask[:1]); err != nil || len(rooms) != 1 || rooms[0].Room != "" || rooms[0].Level != "L1" {
		t.Fatalf("GetRooms after a move out of rooms: %v, %v", rooms, err)
	}
}

package storetest

import (
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

func testPaging(t *testing.T, open Opener) {
	s := open(t, Retention{})
	var all []string
	var ps []location.Position
	for i := range 250 {
		tag := tagName(i)
		all = append(all, tag)
		ps = append(ps, pos(tag, "L"+string(rune('0'+i%2)), "R", int64(i+1)))
	}
	// Written in reverse so the order comes from the store, not the writer.
	slices.Reverse(ps)
	apply(t, s, store.Update{Positions: ps})

	t.Run("EveryTagOnceInOrder", func(t *testing.T) {
		for _, q := range []store.Query{{PageSize: 100}, {Room: "R", PageSize: 100}} {
			var sizes []int
			var got []string
			for {
				page, err := s.ListPositions(ctx(t), q)
				if err != nil {
					t.Fatalf("ListPositions: %v", err)
				}
				sizes = append(sizes, len(page.Positions))
				got = append(got, tagsOf(page.Positions)...)
				if page.NextPageToken == "" {
					break
				}
				q.PageToken = page.NextPageToken
			}
			if !slices.Equal(sizes, []int{100, 100, 50}) {
				t.Errorf("page sizes = %v, want [100 100 50]", sizes)
			}
			if !slices.Equal(got, all) {
				t.Errorf("paged tags differ from all tags in order (%d vs %d)", len(got), len(all))
			}
		}
	})
	t.Run("FilteredByLevel", func(t *testing.T) {
		got := listTags(t, s, store.Query{Level: "L1", Room: "R", PageSize: 7})
		var want []string
		for i := 1; i < 250; i += 2 {
			want = append(want, tagName(i))
		}
		if !slices.Equal(got, want) {
			t.Errorf("level L1 of room R: %d tags, want %d in order", len(got), len(want))
		}
	})
	t.Run("PageSizes", func(t *testing.T) {
		for _, tt := range []struct{ ask, want int }{{0, 100}, {-5, 100}, {3, 3}, {250, 250}, {5000, 250}} {
			page, err := s.ListPositions(ctx(t), store.Query{PageSize: tt.ask})
			if err != nil {
				t.Fatalf("ListPositions: %v", err)
			}
			if len(page.Positions) != tt.want {
				t.Errorf("PageSize %d: got %d positions, want %d", tt.ask, len(page.Positions), tt.want)
			}
		}
	})
	t.Run("BadToken", func(t *testing.T) { testBadTokens(t, s) })
}

func testBadTokens(t *testing.T, s store.Store) {
	posPage, err := s.ListPositions(ctx(t), store.Query{PageSize: 1})
	if err != nil || posPage.NextPageToken == "" {
		t.Fatalf("ListPositions: next token %q, error %v", posPage.NextPageToken, err)
	}
	apply(t, s, store.Update{Events: []geofence.Event{event("T", "Z", 1), event("T", "Z", 2)}})
	evPage, err := s.ListEvents(ctx(t), store.EventQuery{PageSize: 1})
	if err != nil || evPage.NextPageToken == "" {
		t.Fatalf("ListEvents: next token %q, error %v", evPage.NextPageToken, err)
	}
	garbage := []string{"%%%", tagName(3), "0-1",
		base64.RawURLEncoding.EncodeToString([]byte("x" + tagName(3))),
		base64.RawURLEncoding.EncodeToString([]byte("p" + tagName(3))),    // forged: the id in clear
		base64.URLEncoding.EncodeToString([]byte("p" + tagName(3) + "x")), // padded
		posPage.NextPageToken + "!"}
	if raw, _ := base64.RawURLEncoding.DecodeString(posPage.NextPageToken); strings.Contains(string(raw), posPage.Positions[0].Tag) {
		t.Errorf("position page token %q shows the tag id", posPage.NextPageToken)
	}
	for _, tok := range append(garbage, evPage.NextPageToken) {
		if _, err := s.ListPositions(ctx(t), store.Query{PageToken: tok}); !errors.Is(err, store.ErrBadToken) {
			t.Errorf("ListPositions(token %q) error = %v, want ErrBadToken", tok, err)
		}
	}
	for _, tok := range append(garbage, posPage.NextPageToken) {
		if _, err := s.ListEvents(ctx(t), store.EventQuery{PageToken: tok}); !errors.Is(err, store.ErrBadToken) {
			t.Errorf("ListEvents(token %q) error = %v, want ErrBadToken", tok, err)
		}
	}
}

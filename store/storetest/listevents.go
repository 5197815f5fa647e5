package storetest

import (
	"slices"
	"testing"

	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

func testListEvents(t *testing.T, open Opener) {
	s := open(t, Retention{})
	base := nowMS() - 30_000 // event times within the stores' arrival slack
	var all []geofence.Event
	for chunk := range 5 {
		var evs []geofence.Event
		for i := chunk * 10; i < chunk*10+10; i++ {
			evs = append(evs, event(tagName(i), "R", base+int64(i)*100))
		}
		evs = append(evs, event("OLD", "R", base-20_000)) // out of every bounded range below
		all = append(all, apply(t, s, store.Update{Events: evs})...)
	}
	all = append(all, apply(t, s, store.Update{Events: []geofence.Event{event("LATE", "R", base+1500)}})...)

	tests := []struct {
		name     string
		from, to int64
		size     int
		pages    []int
	}{
		{"range", base + 1000, base + 2000, 5, []int{5, 5, 2}},
		{"range in one page", base + 1000, base + 2000, 12, []int{12}},
		{"from only", base + 4500, 0, 0, []int{5}},
		{"to only", 0, base, 3, []int{3, 3}},
		{"unbounded", 0, 0, 50, []int{50, 6}},
		{"empty range", base + 10_000, base + 20_000, 10, []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []geofence.Event
			for _, e := range all {
				if (tt.from == 0 || e.TS >= tt.from) && (tt.to == 0 || e.TS <= tt.to) {
					want = append(want, e)
				}
			}
			q := store.EventQuery{FromTS: tt.from, ToTS: tt.to, PageSize: tt.size}
			var got []geofence.Event
			var sizes []int
			for range 100 {
				page, err := s.ListEvents(ctx(t), q)
				if err != nil {
					t.Fatalf("ListEvents: %v", err)
				}
				got = append(got, page.Events...)
				sizes = append(sizes, len(page.Events))
				if q.PageToken = page.NextPageToken; q.PageToken == "" {
					break
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("ListEvents = %d events, want %d:\n got %+v\nwant %+v", len(got), len(want), got, want)
			}
			if !slices.Equal(sizes, tt.pages) {
				t.Errorf("page sizes = %v, want %v", sizes, tt.pages)
			}
		})
	}
}

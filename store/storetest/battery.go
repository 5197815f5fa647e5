package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/hospitalrtls/rtls/location/alert"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

// listBatteries pages through every level at or below maxPct with pages of
// size, returning "tag=percent" in order.
func listBatteries(t *testing.T, s store.Store, maxPct, size int) []string {
	t.Helper()
	q := store.BatteryQuery{MaxPercent: maxPct, PageSize: size}
	var got []string
	for pages := 0; ; pages++ {
		page, err := s.ListBatteries(ctx(t), q)
		if err != nil {
			t.Fatalf("ListBatteries: %v", err)
		}
		if len(page.Batteries) > size {
			t.Fatalf("page of %d, asked for %d", len(page.Batteries), size)
		}
		for _, b := range page.Batteries {
			got = append(got, fmt.Sprintf("%s=%d", b.Tag, b.Percent))
		}
		if page.NextPageToken == "" {
			return got
		}
		if pages > 100 {
			t.Fatal("paging does not end")
		}
		q.PageToken = page.NextPageToken
	}
}

func testBatteries(t *testing.T, open Opener) {
	s := open(t, Retention{})
	apply(t, s, store.Update{Batteries: []alert.Battery{
		{Tag: "PUMP-3", Percent: 15, TS: 10},
		{Tag: "PUMP-1", Percent: 15, TS: 10, Low: true},
		{Tag: "PUMP-2", Percent: 4, TS: 10, Low: true},
		{Tag: "PUMP-4", Percent: 100, TS: 10},
		{Tag: "PUMP-5", Percent: 0, TS: 10, Low: true},
		{Tag: "PUMP-6", Percent: 21, TS: 10},
	}})
	t.Run("LowestFirstThenTag", func(t *testing.T) {
		want := []string{"PUMP-5=0", "PUMP-2=4", "PUMP-1=15", "PUMP-3=15"}
		for _, size := range []int{1, 2, 3, 100} {
			if got := listBatteries(t, s, 20, size); !slices.Equal(got, want) {
				t.Errorf("page size %d: got %v, want %v", size, got, want)
			}
		}
		if got := listBatteries(t, s, 100, 100); len(got) != 6 || got[5] != "PUMP-4=100" {
			t.Errorf("at or below 100: got %v, want all six, PUMP-4 last", got)
		}
		if got := listBatteries(t, s, 0, 10); !slices.Equal(got, []string{"PUMP-5=0"}) {
			t.Errorf("at or below 0: got %v", got)
		}
	})
	t.Run("FieldsKept", func(t *testing.T) {
		page, err := s.ListBatteries(ctx(t), store.BatteryQuery{MaxPercent: 4})
		if err != nil {
			t.Fatal(err)
		}
		want := []alert.Battery{{Tag: "PUMP-5", Percent: 0, TS: 10, Low: true}, {Tag: "PUMP-2", Percent: 4, TS: 10, Low: true}}
		if !slices.Equal(page.Batteries, want) {
			t.Errorf("got %+v, want %+v", page.Batteries, want)
		}
	})
	t.Run("NewerReplacesOlderIgnored", func(t *testing.T) {
		apply(t, s, store.Update{Batteries: []alert.Battery{
			{Tag: "PUMP-1", Percent: 90, TS: 20}, // charged
			{Tag: "PUMP-2", Percent: 50, TS: 5},  // older than the stored level
			{Tag: "PUMP-6", Percent: 19, TS: 20}, // drained
			{Tag: "PUMP-6", Percent: 18, TS: 21}, // twice in one update
			{Tag: "PUMP-3", Percent: 15, TS: 10}, // a repeat
		}, Events: []geofence.Event{{Type: geofence.LowBattery, Tag: "PUMP-6", TS: 20, Count: 19, Level: "L0"}}})
		want := []string{"PUMP-5=0", "PUMP-2=4", "PUMP-3=15", "PUMP-6=18"}
		if got := listBatteries(t, s, 20, 2); !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		evs, err := s.ReadEvents(ctx(t), "0", 10, 0)
		if err != nil || len(evs) != 1 || evs[0].Level != "L0" || evs[0].Count != 19 || evs[0].Type != geofence.LowBattery {
			t.Errorf("events %+v %v, want the LOW_BATTERY with its level and percent", evs, err)
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		for _, b := range []alert.Battery{{Percent: 5}, {Tag: "X", Percent: 101}, {Tag: "X", Percent: -1}, {Tag: "X", TS: -1}} {
			if _, err := s.Apply(ctx(t), store.Update{Batteries: []alert.Battery{b}}); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("Apply(%+v) = %v, want ErrInvalid", b, err)
			}
		}
	})
	t.Run("BadToken", func(t *testing.T) {
		if _, err := s.ListBatteries(ctx(t), store.BatteryQuery{MaxPercent: 20, PageToken: "nope"}); !errors.Is(err, store.ErrBadToken) {
			t.Errorf("got %v, want ErrBadToken", err)
		}
	})
}

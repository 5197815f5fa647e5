package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

// statusChange returns the i-th change of a tag's made-up history: the
// status alternates, the time grows.
func statusChange(tag string, i int) geofence.StatusChange {
	statuses := []string{geofence.StatusAvailable, geofence.StatusInUse, geofence.StatusSoiled}
	return geofence.StatusChange{Tag: tag, Previous: statuses[(i+2)%3], Status: statuses[i%3],
		TS: int64(1000 + i), Source: "in_use_dwell", Room: fmt.Sprintf("R%d", i)}
}

// history reads the whole status history of tag in pages of size.
func history(t *testing.T, s store.Store, tag string, size int) []geofence.StatusChange {
	t.Helper()
	var all []geofence.StatusChange
	tok := ""
	for range store.StatusHistoryLen + 2 {
		page, err := s.ListStatusHistory(ctx(t), store.StatusQuery{Tag: tag, PageSize: size, PageToken: tok})
		if err != nil {
			t.Fatalf("ListStatusHistory: %v", err)
		}
		if len(page.Changes) > max(size, 0) && size > 0 {
			t.Fatalf("page of %d changes, asked for %d", len(page.Changes), size)
		}
		all = append(all, page.Changes...)
		if tok = page.NextPageToken; tok == "" {
			return all
		}
	}
	t.Fatal("ListStatusHistory pages without end")
	return nil
}

// newestFirst returns the changes of tag numbered from..to-1, newest first.
func newestFirst(tag string, from, to int) []geofence.StatusChange {
	var out []geofence.StatusChange
	for i := to - 1; i >= from; i-- {
		out = append(out, statusChange(tag, i))
	}
	return out
}

func testStatusHistory(t *testing.T, open Opener) {
	s := open(t, Retention{})
	if got := history(t, s, "PUMP-1", 0); len(got) != 0 {
		t.Fatalf("history of an unknown tag = %v", got)
	}
	var cs []geofence.StatusChange
	for i := range 5 {
		cs = append(cs, statusChange("PUMP-1", i), statusChange("PUMP-2", i))
	}
	apply(t, s, store.Update{StatusChanges: cs[:4], Seq: 1})
	apply(t, s, store.Update{StatusChanges: cs[4:], Seq: 2})
	apply(t, s, store.Update{StatusChanges: cs[4:], Seq: 2}) // a retry writes nothing
	for _, size := range []int{0, 1, 2, 5, 6} {
		if got, want := history(t, s, "PUMP-1", size), newestFirst("PUMP-1", 0, 5); !reflect.DeepEqual(got, want) {
			t.Fatalf("page size %d: history\n got %v\nwant %v", size, got, want)
		}
	}
	page, err := s.ListStatusHistory(ctx(t), store.StatusQuery{Tag: "PUMP-1", PageSize: 2})
	if err != nil || page.NextPageToken == "" {
		t.Fatalf("first page: %v, token %q", err, page.NextPageToken)
	}
	if _, err := s.ListStatusHistory(ctx(t), store.StatusQuery{Tag: "PUMP-2", PageToken: page.NextPageToken}); !errors.Is(err, store.ErrBadToken) {
		t.Errorf("token of another tag: got %v, want ErrBadToken", err)
	}
	// a change written between pages comes on no later page
	apply(t, s, store.Update{StatusChanges: []geofence.StatusChange{statusChange("PUMP-1", 5)}})
	rest, err := s.ListStatusHistory(ctx(t), store.StatusQuery{Tag: "PUMP-1", PageSize: 10, PageToken: page.NextPageToken})
	if want := newestFirst("PUMP-1", 0, 3); err != nil || !reflect.DeepEqual(rest.Changes, want) {
		t.Fatalf("second page = %v, %v; want %v", rest.Changes, err, want)
	}
	t.Run("Retention", func(t *testing.T) {
		var many []geofence.StatusChange
		for i := range store.StatusHistoryLen + 7 {
			many = append(many, statusChange("BED-1", i))
		}
		apply(t, s, store.Update{StatusChanges: many[:500]})
		apply(t, s, store.Update{StatusChanges: many[500:]})
		got := history(t, s, "BED-1", 1000)
		if want := newestFirst("BED-1", 7, store.StatusHistoryLen+7); !reflect.DeepEqual(got, want) {
			t.Fatalf("kept %d changes (newest %v), want the newest %d", len(got), got[:1], len(want))
		}
	})
	t.Run("Event", func(t *testing.T) {
		s := open(t, Retention{})
		ev := geofence.Event{Type: geofence.StatusChanged, Tag: "PUMP-1", Zone: "L0-SOIL", TS: 5000,
			Trigger: "soiled_room", Class: geofence.ClassAsset, Status: geofence.StatusSoiled, Previous: geofence.StatusInUse}
		apply(t, s, store.Update{Events: []geofence.Event{ev}, StatusChanges: []geofence.StatusChange{statusChange("PUMP-1", 0)}})
		got, err := s.ReadEvents(ctx(t), "0", 10, 0)
		if err != nil || len(got) != 1 {
			t.Fatalf("ReadEvents = %v, %v", got, err)
		}
		got[0].ID = ""
		if got[0] != ev {
			t.Fatalf("STATUS_CHANGED read back as %+v, want %+v", got[0], ev)
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		bad := []geofence.StatusChange{{Status: geofence.StatusSoiled}, {Tag: "T", TS: -1}, {Tag: "T", Room: "\xff"}}
		for i, c := range bad {
			if _, err := s.Apply(ctx(t), store.Update{StatusChanges: []geofence.StatusChange{c}}); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("change %d: got %v, want ErrInvalid", i, err)
			}
		}
	})
}

package api

import (
	"context"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/hospitalrtls/rtls/auth"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// TestFilterNurseInOrOfUnit: a nurse of 4W sees the people in the rooms
// of 4W and the people of 4W wherever they are; the registry units are
// looked up once for the page, for the people no room admits.
func TestFilterNurseInOrOfUnit(t *testing.T) {
	nurse := &auth.Principal{Subject: "nia", Role: auth.Nurse, Units: []string{"4W"}}
	registry := map[string]string{"P-OF": "4W", "P-IN": "5E", "P-OUT": "5E", "S-OF": "4W"}
	var asked [][]string
	units := func(tags []string) map[string]string {
		asked = append(asked, slices.Clone(tags))
		out := map[string]string{}
		for _, tag := range tags {
			if u, ok := registry[tag]; ok {
				out[tag] = u
			}
		}
		return out
	}
	loc := func(tag string, c rtlsv1.TagClass, roomUnit string) *rtlsv1.Location {
		return &rtlsv1.Location{TagId: tag, Class: c, UnitId: roomUnit}
	}
	resp := &rtlsv1.ListLocationsResponse{Locations: []*rtlsv1.Location{
		loc("P-OF", rtlsv1.TagClass_PATIENT, "5E"), // of 4W, in a 5E room
		loc("P-IN", rtlsv1.TagClass_PATIENT, "4W"), // of 5E, in a 4W room
		loc("P-OUT", rtlsv1.TagClass_PATIENT, "5E"),
		loc("S-OF", rtlsv1.TagClass_STAFF, ""),
		loc("A1", rtlsv1.TagClass_ASSET, "5E"),
		loc("U1", rtlsv1.TagClass_TAG_CLASS_UNSPECIFIED, "4W"),
	}}
	persons, err := filterResponse(nurse, resp, units)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range resp.Locations {
		kept = append(kept, l.TagId)
	}
	if want := []string{"P-OF", "P-IN", "S-OF", "A1"}; !slices.Equal(kept, want) {
		t.Errorf("kept %q, want %q", kept, want)
	}
	if want := []string{"P-OF", "P-IN", "S-OF"}; !slices.Equal(persons, want) {
		t.Errorf("persons %q, want %q", persons, want)
	}
	if want := [][]string{{"P-OF", "P-OUT", "S-OF"}}; len(asked) != 1 || !slices.Equal(asked[0], want[0]) {
		t.Errorf("unit lookups %q, want %q", asked, want)
	}
	// A single location of a 5E patient in a 5E room is denied.
	if _, err := filterResponse(nurse, loc("P-OUT", rtlsv1.TagClass_PATIENT, "5E"), units); err != errDenied {
		t.Errorf("GetLocation of a 5E patient: %v, want denied", err)
	}
}

// TestStreamPrefetchOneLookupPerBatch: a batch of locations announced by
// the handler (prefetchLocationUnits) is judged with one lookup of units;
// a message outside the batch is looked up alone.
func TestStreamPrefetchOneLookupPerBatch(t *testing.T) {
	dir := &authzWardTags{}
	g := newGuard(Security{Auth: tokenAuth{}, Tags: dir}, nil)
	nurse := &auth.Principal{Subject: "nia", Role: auth.Nurse, Units: []string{"4W"}}
	w := &guardedStream{p: nurse, g: g, persons: map[string]struct{}{}}
	w.ctx = context.WithValue(context.Background(), streamKey{}, w)
	// The ward's tags, all in ICU rooms: only their registry unit can
	// admit people.
	var batch []*rtlsv1.Location
	for _, l := range wardLocations {
		moved := proto.Clone(l).(*rtlsv1.Location)
		moved.UnitId = "ICU"
		batch = append(batch, moved)
	}
	prefetchLocationUnits(w.ctx, batch)
	var seen []string
	for _, l := range batch {
		if w.visible(l) {
			seen = append(seen, l.TagId)
		}
	}
	if want := []string{"A1", "P1", "S1", "A9"}; !slices.Equal(seen, want) {
		t.Errorf("visible %q, want %q", seen, want)
	}
	if n := dir.unitLookups.Load(); n != 1 {
		t.Errorf("%d lookups for one batch, want 1", n)
	}
	if w.visible(&rtlsv1.Location{TagId: "P9", Class: rtlsv1.TagClass_PATIENT, UnitId: "5E"}) {
		t.Error("a patient of no unit in a 5E room is visible to a 4W nurse")
	}
	if n := dir.unitLookups.Load(); n != 2 {
		t.Errorf("%d lookups after a message outside the batch, want 2", n)
	}
}

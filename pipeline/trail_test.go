package pipeline_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

// TestVisitsWithTheirEvents walks a tag S02 → S05 while the store is down
// and the backlog over its limit: each room visit is written in the update
// that carries its room event (same time), trimming the backlog keeps
// them, and the stored trail has the walk's visits and points.
func TestVisitsWithTheirEvents(t *testing.T) {
	r := newRig(t)
	r.w.setDown(true)
	sc := walkS02toS05(t, r.plan, "WALKER")
	for i := range len(sc["WALKER"]) {
		r.feed(sc, i, i+1)
		r.settle()
	}
	r.w.setDown(false)
	r.eventually("the events are stored", func() bool { return describe(r.storedEvents()) == walkEvents })

	for _, a := range r.w.history() {
		if a.err != nil {
			continue
		}
		var evs, vis []string
		for _, e := range a.u.Events {
			if e.Rule == "" && (e.Type == geofence.Enter || e.Type == geofence.Exit) {
				evs = append(evs, fmt.Sprintf("%s %s@%d", e.Type, e.Zone, e.TS))
			}
		}
		for _, v := range a.u.Visits {
			if v.Open() {
				vis = append(vis, fmt.Sprintf("ENTER %s@%d", v.Room, v.Enter))
			} else {
				vis = append(vis, fmt.Sprintf("EXIT %s@%d", v.Room, v.Exit))
			}
		}
		slices.Sort(evs) // the same records, whatever the order within a time
		slices.Sort(vis)
		if strings.Join(evs, ", ") != strings.Join(vis, ", ") {
			t.Fatalf("update %d: room events [%s], visit records [%s]", a.u.Seq, strings.Join(evs, ", "), strings.Join(vis, ", "))
		}
	}

	page, err := r.w.st.GetTrail(context.Background(), store.TrailQuery{Tag: "WALKER", FromTS: r.base - 60_000, ToTS: r.base + 600_000})
	if err != nil {
		t.Fatal(err)
	}
	var rooms []string
	for _, v := range page.Visits {
		rooms = append(rooms, v.Room)
	}
	if got := strings.Join(rooms, ", "); got != "L0-S02, L0-COR, L0-S05" {
		t.Fatalf("stored visits: %s", got)
	}
	if len(page.Points) < 3 || page.Points[0].Room != "L0-S02" || page.Points[len(page.Points)-1].Room != "L0-S05" {
		t.Fatalf("stored points: %+v", page.Points)
	}
}

package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

// visit returns a visit of tag in room (level L0), exit 0 for an open one.
func visit(tag, room string, enter, exit int64) geofence.Visit {
	return geofence.Visit{Tag: tag, Class: "patient", Room: room, Level: "L0", Enter: enter, Exit: exit}
}

// point returns a trail point of tag in room at ts.
func point(tag, room string, ts int64) location.Position {
	return location.Position{TS: ts, Tag: tag, Level: "L0", Room: room, X: 1.25 + float64(ts/1000), Y: -3.5}
}

// trailString renders a page as "room[enter,exit) ... | ts@room ... | more".
func trailString(p store.TrailPage) string {
	s := ""
	for _, v := range p.Visits {
		s += fmt.Sprintf("%s/%s[%d,%d) ", v.Room, v.Level, v.Enter, v.Exit)
	}
	s += "|"
	for _, pt := range p.Points {
		s += fmt.Sprintf(" %d@%s(%.2f,%.2f)", pt.TS, pt.Room, pt.X, pt.Y)
	}
	if p.NextPageToken != "" {
		s += " | more"
	}
	return s
}

// getTrail returns a page and fails the test on error.
func getTrail(t *testing.T, s store.Store, q store.TrailQuery) store.TrailPage {
	t.Helper()
	p, err := s.GetTrail(ctx(t), q)
	if err != nil {
		t.Fatalf("GetTrail(%d, %d): %v", q.FromTS, q.ToTS, err)
	}
	return p
}

// testTrail: visits replace the one with their entry time, pages split the
// visits and partition the points, ranges select overlapping visits.
func testTrail(t *testing.T, open Opener) {
	s := open(t, Retention{})
	const tag = "TAG-T"
	apply(t, s, store.Update{Seq: 1,
		Visits: []geofence.Visit{visit(tag, "A", 1000, 0)},
		Trail:  []location.Position{point(tag, "", 500), point(tag, "A", 1000), point(tag, "A", 3000)}})
	apply(t, s, store.Update{Seq: 2,
		Visits: []geofence.Visit{visit(tag, "A", 1000, 5000), visit(tag, "B", 5000, 0),
			visit(tag, "B", 5000, 9000), visit(tag, "C", 9000, 0), visit("TAG-OTHER", "A", 1000, 0)},
		Trail: []location.Position{point(tag, "B", 5000), point(tag, "B", 7000), point(tag, "C", 9000),
			point(tag, "C", 12000)}})
	// A retry writes nothing twice; an old point is dropped.
	apply(t, s, store.Update{Seq: 2, Visits: []geofence.Visit{visit(tag, "C", 9000, 0)}})
	apply(t, s, store.Update{Seq: 3, Visits: []geofence.Visit{visit(tag, "C", 9000, 0)},
		Trail: []location.Position{point(tag, "A", 2000)}})

	p1 := getTrail(t, s, store.TrailQuery{Tag: tag, FromTS: 0, ToTS: 20000, PageSize: 2})
	want1 := "A/L0[1000,5000) B/L0[5000,9000) | 500@(1.25,-3.50) 1000@A(2.25,-3.50) 3000@A(4.25,-3.50) 5000@B(6.25,-3.50) 7000@B(8.25,-3.50) | more"
	if got := trailString(p1); got != want1 {
		t.Fatalf("page 1:\n got %s\nwant %s", got, want1)
	}
	p2 := getTrail(t, s, store.TrailQuery{Tag: tag, FromTS: 0, ToTS: 20000, PageSize: 2, PageToken: p1.NextPageToken})
	if got, want := trailString(p2), "C/L0[9000,0) | 9000@C(10.25,-3.50) 12000@C(13.25,-3.50)"; got != want {
		t.Fatalf("page 2:\n got %s\nwant %s", got, want)
	}
	for _, v := range append(p1.Visits, p2.Visits...) {
		if v.Tag != tag {
			t.Fatalf("visit of tag %q, want %q", v.Tag, tag)
		}
	}
	ranges := []struct {
		from, to int64
		want     string
	}{
		{6000, 8000, "B/L0[5000,9000) | 7000@B(8.25,-3.50)"},
		{5000, 5001, "B/L0[5000,9000) | 5000@B(6.25,-3.50)"},
		{4999, 5000, "A/L0[1000,5000) |"},
		{30000, 40000, "C/L0[9000,0) |"}, // still open
	}
	for _, r := range ranges {
		if got := trailString(getTrail(t, s, store.TrailQuery{Tag: tag, FromTS: r.from, ToTS: r.to})); got != r.want {
			t.Errorf("[%d, %d): got %s, want %s", r.from, r.to, got, r.want)
		}
	}
	apply(t, s, store.Update{Visits: []geofence.Visit{visit(tag, "C", 9000, 15000)}})
	errs := []struct {
		name string
		q    store.TrailQuery
		want error
	}{
		{"after the last visit", store.TrailQuery{Tag: tag, FromTS: 30000, ToTS: 40000}, store.ErrNotFound},
		{"unknown tag", store.TrailQuery{Tag: "TAG-NONE", FromTS: 0, ToTS: 20000}, store.ErrNotFound},
		{"empty range", store.TrailQuery{Tag: tag, FromTS: 20000, ToTS: 20000}, store.ErrBadRange},
		{"token of another tag", store.TrailQuery{Tag: "TAG-OTHER", FromTS: 0, ToTS: 20000, PageToken: p1.NextPageToken}, store.ErrBadToken},
		{"forged token", store.TrailQuery{Tag: tag, FromTS: 0, ToTS: 20000, PageToken: "bm9wZQ"}, store.ErrBadToken},
	}
	for _, e := range errs {
		if _, err := s.GetTrail(ctx(t), e.q); !errors.Is(err, e.want) {
			t.Errorf("%s: err %v, want %v", e.name, err, e.want)
		}
	}
}

// testTrailRetention: writes trim the points and ended visits of the tags
// written older than the retention (never an open visit), and drop the
// trails of tags with nothing written since.
func testTrailRetention(t *testing.T, open Opener) {
	s := open(t, Retention{TrailMaxAge: 100 * time.Second})
	const base = int64(1_000_000)
	apply(t, s, store.Update{
		Visits: []geofence.Visit{visit("TAG-IDLE", "A", base, base+1000)},
		Trail:  []location.Position{point("TAG-IDLE", "A", base)}})
	apply(t, s, store.Update{
		Visits: []geofence.Visit{visit("TAG-R", "A", base, base+10_000), visit("TAG-R", "B", base+10_000, 0),
			visit("TAG-STAY", "S", base, 0)},
		Trail: []location.Position{point("TAG-R", "A", base), point("TAG-R", "B", base+10_000)}})
	// 150 s later: cut-off at base+50 s.
	now := base + 150_000
	apply(t, s, store.Update{Trail: []location.Position{point("TAG-R", "B", now), point("TAG-STAY", "S", now)}})
	all := store.TrailQuery{FromTS: 0, ToTS: now + 1}
	all.Tag = "TAG-R"
	if got, want := trailString(getTrail(t, s, all)), "B/L0[1010000,0) | 1150000@B(1151.25,-3.50)"; got != want {
		t.Errorf("TAG-R after trimming:\n got %s\nwant %s", got, want)
	}
	all.Tag = "TAG-STAY"
	if got, want := trailString(getTrail(t, s, all)), "S/L0[1000000,0) | 1150000@S(1151.25,-3.50)"; got != want {
		t.Errorf("TAG-STAY after trimming:\n got %s\nwant %s", got, want)
	}
	all.Tag = "TAG-IDLE"
	if _, err := s.GetTrail(ctx(t), all); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("idle tag's trail: err %v, want ErrNotFound", err)
	}
}

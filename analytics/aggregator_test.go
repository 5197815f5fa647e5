package analytics

import (
	"testing"

	"github.com/hospitalrtls/rtls/location/geofence"
)

// TestVisitRecords feeds the records of one tag's walk A -> B as the
// engine may order them (B opens before A's close is recorded) twice
// over: the move A -> B and each dwell count once.
func TestVisitRecords(t *testing.T) {
	const h0 = 1_780_000_000_000 - 1_780_000_000_000%HourMs
	a := NewAggregator(map[string]Room{"A": {Category: "icu"}, "B": {Category: "patient_room"}}, nil)
	recs := []geofence.Visit{
		{Tag: "T", Room: "A", Enter: h0},
		{Tag: "T", Room: "B", Enter: h0 + 60_000},
		{Tag: "T", Room: "A", Enter: h0, Exit: h0 + 60_000},
		{Tag: "T", Room: "B", Enter: h0 + 60_000, Exit: h0 + 180_000},
	}
	fs, p := Fields{}, NewPacker()
	for range 2 {
		a.Visits(recs)
		p.Apply(fs, a.Take())
	}
	s := Scope{From: h0, To: h0 + HourMs, Group: ByCategory}
	if got := Transitions(fs, s, 1); len(got) != 1 || got[0].From != "icu" || got[0].To != "patient_room" || got[0].Count != 1 {
		t.Errorf("transitions %+v", got)
	}
	got := Dwell(fs, s, 1)
	if len(got) != 2 || got[0].Visits != 1 || got[0].MeanS != 60 || got[1].Visits != 1 || got[1].MeanS != 120 {
		t.Errorf("dwell %+v", got)
	}
}

// TestRestore: after a restart the records of a move may come as the
// restored geofence engine makes them, B opening before A (open at the
// restart) closes. Without Restore the move is lost; with the open visit
// restored it counts once, also when the records come again.
func TestRestore(t *testing.T) {
	const h0 = 1_780_000_000_000 - 1_780_000_000_000%HourMs
	rooms := map[string]Room{"A": {Category: "icu"}, "B": {Category: "patient_room"}}
	recs := []geofence.Visit{
		{Tag: "T", Room: "B", Enter: h0 + 60_000},
		{Tag: "T", Room: "A", Enter: h0, Exit: h0 + 60_000},
	}
	s := Scope{From: h0, To: h0 + HourMs, Group: ByRoom}
	for _, restore := range []bool{false, true} {
		a := NewAggregator(rooms, nil)
		if restore {
			a.Restore([]geofence.Visit{{Tag: "T", Room: "A", Enter: h0}})
		}
		fs, p := Fields{}, NewPacker()
		for range 2 {
			a.Visits(recs)
			p.Apply(fs, a.Take())
		}
		got := Transitions(fs, s, 1)
		if restore != (len(got) == 1) || (restore && (got[0].From != "A" || got[0].To != "B" || got[0].Count != 1)) {
			t.Errorf("restore %v: transitions %+v", restore, got)
		}
		if d := Dwell(fs, s, 1); len(d) != 1 || d[0].Key != "A" || d[0].Visits != 1 {
			t.Errorf("restore %v: dwell %+v", restore, d)
		}
	}
}

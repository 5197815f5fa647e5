package pipeline_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/alert"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/pipeline"
	"github.com/hospitalrtls/rtls/store"
)

// alertRig is a pipeline over the clinic whose tick never comes within the
// test: whatever reaches the store was written without waiting for one.
type alertRig struct {
	t    *testing.T
	p    *pipeline.Pipeline
	w    *faultyWriter
	base int64
}

func newAlertRig(t *testing.T) *alertRig {
	t.Helper()
	reg, err := geofence.NewRegistry([]geofence.Tag{{ID: "STAFF-1", Class: "staff", Type: "nurse"}})
	if err != nil {
		t.Fatal(err)
	}
	_, eng, fence := clinicEngines(t, geofence.Config{}, reg)
	alerts, err := alert.New(alert.Config{})
	if err != nil {
		t.Fatal(err)
	}
	base := int64(1_700_000_000_000)
	r := &alertRig{t: t, w: newFaultyWriter(t), base: base}
	r.p = pipeline.New(pipeline.Config{Tick: time.Hour, Alerts: alerts, Clock: func() time.Time { return time.UnixMilli(base - 10_000) }},
		eng, fence, r.w, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return r
}

// report ingests, at second sec, STAFF-1 heard loud by the reader of
// L0-S02 and faintly by its neighbours, with the button and battery given
// on every sighting (battery < 0: none).
func (r *alertRig) report(sec float64, button bool, battery int) {
	r.t.Helper()
	ts := r.base + int64(sec*1000)
	var ss []location.Sighting
	for reader, rssi := range map[string]float64{"R-L0-S02": -48, "R-L0-S01": -72, "R-L0-S03": -71} {
		s := location.Sighting{TS: ts, Reader: reader, Tag: "STAFF-1", RSSI: rssi, Button: button}
		if battery >= 0 {
			s.Battery, s.HasBattery = uint8(battery), true
		}
		ss = append(ss, s)
	}
	if _, err := r.p.Ingest(context.Background(), ss); err != nil {
		r.t.Fatal(err)
	}
}

// events waits until the store holds want events of the types given and
// returns them.
func (r *alertRig) events(want int, types ...geofence.EventType) []geofence.Event {
	r.t.Helper()
	var got []geofence.Event
	deadline := time.Now().Add(waitFor)
	for {
		all, err := r.w.st.ReadEvents(context.Background(), "0", 1000, 0)
		if err != nil {
			r.t.Fatal(err)
		}
		got = got[:0]
		for _, e := range all {
			if slices.Contains(types, e.Type) {
				got = append(got, e)
			}
		}
		if len(got) >= want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// A press reaches the store without waiting for a tick, in the tag's
// current room and level, once however many readers and reports carry it;
// a press after the button was released for over PressGap is a new one.
// The battery crossing fires once for 30, 20, 21, 20 (at second 1, before
// the tag was placed: no room) and the last level is stored.
func TestDuressOncePerPressWithoutTick(t *testing.T) {
	r := newAlertRig(t)
	for i, pct := range []int{30, 20, 21, 20, 20, 20} {
		r.report(float64(i), false, pct)
	}
	r.report(6, true, -1)
	r.report(6, true, -1) // a retried batch
	r.report(7, true, -1) // still held
	got := r.events(1, geofence.Duress)
	x, ok, err := r.p.Explain(context.Background(), "STAFF-1")
	if err != nil || !ok {
		t.Fatalf("Explain: %v %v", ok, err)
	}
	if len(got) != 1 {
		t.Fatalf("DURESS events %+v, want one", got)
	}
	d := got[0]
	if d.Tag != "STAFF-1" || d.TS != r.base+6000 || d.Zone != x.Position.Room || d.Level != x.Position.Level ||
		d.Zone == "" || d.Class != "staff" || d.Trigger != geofence.TriggerButton {
		t.Errorf("DURESS %+v, want STAFF-1 at second 6 in its current room %s on %s, class staff", d, x.Position.Room, x.Position.Level)
	}
	r.report(17.5, true, -1) // released for 10.5 s: a new press
	if got := r.events(2, geofence.Duress); len(got) != 2 || got[1].TS != r.base+17_500 {
		t.Fatalf("DURESS events %+v, want a second at second 17.5", got)
	}
	low := r.events(1, geofence.LowBattery)
	if len(low) != 1 || low[0].Count != 20 || low[0].TS != r.base+1000 || low[0].Trigger != geofence.TriggerBattery {
		t.Errorf("LOW_BATTERY events %+v, want one at second 1 with 20%%", low)
	}
	page, err := r.w.st.ListBatteries(context.Background(), store.BatteryQuery{MaxPercent: 100})
	if err != nil || len(page.Batteries) != 1 || page.Batteries[0] != (alert.Battery{Tag: "STAFF-1", Percent: 20, TS: r.base + 5000, Low: true}) {
		t.Errorf("stored levels %+v %v, want STAFF-1 at 20%% from second 5, low", page.Batteries, err)
	}
}

package pipeline_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/floorplans"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/pipeline"
)

// TestProgressWatermark: each update written carries the watermark its
// positions were flushed at (the injected clock minus the lateness), never
// decreasing; with no sightings at all the pipeline still writes the
// watermark once per 5 s of clock, so an ingest log can be trimmed.
func TestProgressWatermark(t *testing.T) {
	plan, err := floorplans.LoadFile(clinicPlan)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := location.New(plan, location.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	fence, err := geofence.New(plan, geofence.Config{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	lateness := eng.Config().LatenessMS
	var nowMS atomic.Int64
	start := int64(1_700_000_000_000)
	nowMS.Store(start)
	w := newFaultyWriter(t)
	p := pipeline.New(pipeline.Config{Tick: 5 * time.Millisecond, Clock: func() time.Time { return time.UnixMilli(nowMS.Load()) }},
		eng, fence, w, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()

	progress := func() []int64 {
		var wms []int64
		for _, a := range w.history() {
			if a.err == nil && a.u.Watermark != 0 {
				wms = append(wms, a.u.Watermark)
			}
		}
		return wms
	}
	eventually(t, "the first progress update", func() bool { return len(progress()) == 1 })
	for i := 1; i <= 3; i++ {
		nowMS.Add(6_000)
		eventually(t, "a progress update per 5 s", func() bool { return len(progress()) == i+1 })
	}
	wms := progress()
	if wms[0] != start-lateness || wms[3] != start+18_000-lateness {
		t.Fatalf("watermarks %v; want from %d to %d", wms, start-lateness, start+18_000-lateness)
	}
	for i := 1; i < len(wms); i++ {
		if wms[i]-wms[i-1] < 5_000 {
			t.Fatalf("watermarks %v: two progress updates less than 5 s apart", wms)
		}
	}
}

package load

import (
	"fmt"
	"io"
	"slices"
	"time"

	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// Quantiles summarise a latency distribution.
type Quantiles struct {
	N                  int
	P50, P90, P99, Max time.Duration
}

// quantiles returns the nearest-rank quantiles of ds (sorted in place).
func quantiles(ds []time.Duration) Quantiles {
	if len(ds) == 0 {
		return Quantiles{}
	}
	slices.Sort(ds)
	at := func(p float64) time.Duration {
		i := int(p*float64(len(ds))+0.999999) - 1
		return ds[min(max(i, 0), len(ds)-1)]
	}
	return Quantiles{N: len(ds), P50: at(0.5), P90: at(0.9), P99: at(0.99), Max: ds[len(ds)-1]}
}

// Report is what a run measured.
type Report struct {
	Tags                       int
	Window                     time.Duration // sending time
	Batches, Sightings, Failed int           // batches sent, their sightings, batches not answered 2.04
	Behind                     int           // seconds sent more than half a second late
	Send                       Quantiles     // time to send one second's batches
	Events                     int           // events of the run's tags received in the window
	EventsPerSec               float64
	ByType                     map[string]int // events of the run's tags, all, by type
	Others                     int            // events of other tags seen
	RoomChanges                int            // changes of room the tags made (corridor included)
	Enters, Unmatched          int            // ENTERs matched to a second sent / not
	Latency, Beyond            Quantiles      // send → ENTER, and that minus debounce and lateness
	Debounce, Lateness         time.Duration
}

// report computes the Report from the events received.
func (d *driver) report(events []received, others int) Report {
	r := Report{Tags: d.cfg.Tags, Window: d.end.Sub(d.start), Batches: d.batches, Sightings: d.sightings,
		Failed: d.failed, Behind: d.behind, Send: quantiles(d.sendTimes), ByType: map[string]int{},
		Others: others, RoomChanges: d.mob.roomChanges(), Debounce: d.cfg.Debounce, Lateness: d.cfg.Lateness}
	var lat, beyond []time.Duration
	for _, e := range events {
		r.ByType[e.typ.String()]++
		if !e.at.Before(d.start) && e.at.Before(d.end) {
			r.Events++
		}
		if e.typ != rtlsv1.EventType_ENTER {
			continue
		}
		sent, ok := d.sent[e.ts]
		if !ok {
			r.Unmatched++
			continue
		}
		r.Enters++
		l := e.at.Sub(sent)
		lat = append(lat, l)
		beyond = append(beyond, l-d.cfg.Debounce-d.cfg.Lateness)
	}
	if r.Window > 0 {
		r.EventsPerSec = float64(r.Events) / r.Window.Seconds()
	}
	r.Latency, r.Beyond = quantiles(lat), quantiles(beyond)
	return r
}

// Write prints the report for a person.
func (r Report) Write(w io.Writer) {
	fmt.Fprintf(w, "tags %d, %v of batches: %d batches, %d sightings, %d failed, %d seconds sent late\n",
		r.Tags, r.Window, r.Batches, r.Sightings, r.Failed, r.Behind)
	fmt.Fprintf(w, "sending one second's batches: p50 %v, p99 %v, max %v\n", r.Send.P50, r.Send.P99, r.Send.Max)
	fmt.Fprintf(w, "events of the run's tags: %d in the window, %.1f events/s; all received by type %v (other tags: %d)\n",
		r.Events, r.EventsPerSec, r.ByType, r.Others)
	fmt.Fprintf(w, "room changes made: %d (plus one first ENTER per tag); ENTERs matched to their second: %d, unmatched: %d\n",
		r.RoomChanges, r.Enters, r.Unmatched)
	fmt.Fprintf(w, "latency, batch sent -> ENTER received (n=%d): p50 %v, p90 %v, p99 %v, max %v\n",
		r.Latency.N, r.Latency.P50, r.Latency.P90, r.Latency.P99, r.Latency.Max)
	fmt.Fprintf(w, "beyond debounce + lateness (%v + %v): p50 %v, p90 %v, p99 %v, max %v\n",
		r.Debounce, r.Lateness, r.Beyond.P50, r.Beyond.P90, r.Beyond.P99, r.Beyond.Max)
	if r.Latency.N == 0 {
		fmt.Fprintln(w, "  No ENTER received: rtlsd emits room ENTER/EXIT by default only while no ENTER or EXIT rule is configured.")
	}
	fmt.Fprintln(w, "  An ENTER carries the time of the first position in the new room, and the batches")
	fmt.Fprintln(w, "  stamped with that second are the ones that complete the change. By design it cannot")
	fmt.Fprintln(w, "  be sent before the engine finalises positions `lateness` behind the newest sighting")
	fmt.Fprintln(w, "  (or the wall clock), and before the new room has held for the debounce in event time;")
	fmt.Fprintln(w, "  the rest (the wait for the server's next tick, whose phase against the whole seconds")
	fmt.Fprintln(w, "  is fixed when rtlsd starts, the store write, the stream read) is what 'beyond' shows.")
}

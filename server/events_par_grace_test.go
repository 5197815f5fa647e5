package server

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

// TestParGraceAtDemoStart starts the demo with a PAR rule no storage room
// can meet and a 3 s grace. Its BELOW_PAR may come only once the engine
// had the grace to place the tags after the first position: not before
// the earliest ENTER (room events have no debounce here, so the earliest
// ENTER is the event time of the first position) plus the grace. Before
// the fix it came 3 s after the first tick, before any tag was placed.
func TestParGraceAtDemoStart(t *testing.T) {
	t.Parallel() // its own processes and ports; slow, so overlapped with the rest
	rules := filepath.Join(t.TempDir(), "rules.yaml")
	err := os.WriteFile(rules, []byte(`rules:
  - id: storage-par
    event_type: PAR
    group: {category: storage}
    tag_class: asset
    min_count: 1000
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	const grace = 3 * time.Second
	s, _ := startWith(t, Config{Demo: true, CoAPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0", Site: "par-grace",
		Tick: 50 * time.Millisecond, Debounce: -1, ParGrace: grace, RulesFile: rules})
	cc := dial(t, s)
	par := watchEvents(t, cc, "0", &rtlsv1.EventFilter{Types: []rtlsv1.EventType{rtlsv1.EventType_BELOW_PAR}})
	got, err := par.until(t, func(*rtlsv1.Event) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	below := got[0]
	enters := listAll(t, cc, &rtlsv1.EventFilter{Types: []rtlsv1.EventType{rtlsv1.EventType_ENTER}})
	if len(enters) == 0 {
		t.Fatalf("BELOW_PAR %v before any tag entered a room", below)
	}
	first := enters[0].Time.AsTime()
	for _, e := range enters {
		if e.Time.AsTime().Before(first) {
			first = e.Time.AsTime()
		}
	}
	if at := below.Time.AsTime(); at.Before(first.Add(grace)) {
		t.Errorf("BELOW_PAR at %v, %v after the first position: before the %v grace", at, at.Sub(first), grace)
	}
}

package server

import (
	"context"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/internal/load"
	"github.com/hospitalrtls/rtls/internal/redistest"
)

// TestLoadRun runs rtlsload's driver briefly against rtlsd in process:
// every batch is taken, every tag's first ENTER arrives and is matched to
// the second whose batches carried it, and no other tag's event shows up.
func TestLoadRun(t *testing.T) {
	t.Parallel() // its own processes and ports; slow, so overlapped with the rest
	rs := redistest.StartServer(t)
	cfg := eventsConfig(rs.URL(), time.Second)
	cfg.Clock = nil // the driver stamps and measures in wall-clock time
	s, _ := startWith(t, cfg)
	const tags = 20
	rep, err := load.Run(context.Background(), load.Config{CoAPAddr: s.CoAPAddr().String(), GRPCAddr: s.GRPCAddr().String(),
		Plan: loadClinic(t), Tags: tags, Duration: 5 * time.Second, Debounce: time.Second, Lateness: load.DefaultLateness, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 0 || rep.Batches == 0 || rep.Sightings < tags*5 {
		t.Fatalf("sent %d batches of %d sightings, %d failed", rep.Batches, rep.Sightings, rep.Failed)
	}
	if rep.Enters < tags || rep.Unmatched != 0 || rep.Latency.N != rep.Enters || rep.Others != 0 {
		t.Fatalf("ENTERs: %d matched, %d unmatched (want at least one per tag, all matched); other tags' events: %d",
			rep.Enters, rep.Unmatched, rep.Others)
	}
}

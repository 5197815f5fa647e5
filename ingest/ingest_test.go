package ingest_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/ingest"
	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

// recorder is a Sink keeping what it was handed.
type recorder struct {
	mu  sync.Mutex // guards got
	got []location.Sighting
}

func (r *recorder) Ingest(_ context.Context, ss []location.Sighting) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, ss...)
	return nil
}

func (r *recorder) sightings() []location.Sighting {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func open(t *testing.T) (*redisstore.Store, *redisstore.Fenced) {
	t.Helper()
	st, err := redisstore.New(context.Background(), redisstore.Options{URL: redistest.StartServer(t).URL(), Site: "ingest"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tok, ok, err := st.AcquireLease(t.Context(), "test", time.Minute)
	if err != nil || !ok {
		t.Fatalf("AcquireLease = %v, %v", ok, err)
	}
	return st, st.Fenced(tok)
}

func sight(ts int64, tag string) location.Sighting {
	return location.Sighting{TS: ts, Reader: "R1", Tag: tag, RSSI: -60, Button: tag == "duress", Battery: 40, HasBattery: true}
}

// TestResume: a standby resuming finds every logged sighting, and queues
// again exactly those not processed and written: after the last epoch
// finalised at the written watermark, and after their tag's stored
// position. Fields survive the log unchanged.
func TestResume(t *testing.T) {
	st, f := open(t)
	ctx := t.Context()
	front := ingest.NewFront(st, ingest.FrontConfig{}, nil)
	batches := [][]location.Sighting{
		{sight(1_000, "a"), sight(1_500, "b")}, // both in epochs finalised at the watermark
		{sight(2_100, "a"), sight(2_600, "b")}, // a: after the watermark's epoch; b: before its stored position
		{sight(3_200, "duress"), sight(3_300, "b")},
	}
	for _, b := range batches {
		if err := front.Ingest(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	// the old owner wrote up to watermark 2,500 (epoch 1 s: finalised to
	// 2,000) and b's position at 3,000
	u := store.Update{Watermark: 2_500, Positions: []location.Position{{Tag: "b", TS: 3_000}}}
	if _, err := f.Apply(ctx, u); err != nil {
		t.Fatal(err)
	}
	c := ingest.NewConsumer(st, f, ingest.ConsumerConfig{EpochMS: 1_000})
	var rec recorder
	r, err := c.Resume(ctx, &rec)
	if err != nil {
		t.Fatal(err)
	}
	want := []location.Sighting{sight(2_100, "a"), sight(3_200, "duress"), sight(3_300, "b")}
	if got := rec.sightings(); !slices.Equal(got, want) {
		t.Fatalf("resumed %+v; want %+v", got, want)
	}
	if r.Entries != 3 || r.Sightings != 6 || r.Queued != 3 || r.Watermark != 2_500 {
		t.Fatalf("Replay = %+v", r)
	}
}

// TestRunTrims: Run hands new entries on in order, one batch each, and
// trims the log behind the batches the pipeline reports processed and
// written (Progress), never further.
func TestRunTrims(t *testing.T) {
	st, f := open(t)
	ctx, cancel := context.WithCancel(t.Context())
	front := ingest.NewFront(st, ingest.FrontConfig{}, nil)
	c := ingest.NewConsumer(st, f, ingest.ConsumerConfig{EpochMS: 1_000, TrimEvery: time.Millisecond})
	var rec recorder
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, &rec) }()
	defer func() { cancel(); <-done }()
	for _, ts := range []int64{1_000, 2_000, 3_000, 4_500} {
		if err := front.Ingest(ctx, []location.Sighting{sight(ts, "a")}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "every entry handed on", func() bool { return len(rec.sightings()) == 4 })
	logLen := func() int64 {
		n, err := st.IngestLen(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := logLen(); n != 4 {
		t.Fatalf("log before any progress: %d entries; want 4", n)
	}
	c.Progress(3)
	eventually(t, "the log trimmed to the last entry", func() bool { return logLen() == 1 })
	es, err := st.ReadIngest(ctx, "0", 10, 0)
	if err != nil || len(es) != 1 {
		t.Fatalf("log after the trim: %+v, %v", es, err)
	}
	if got, err := decodeTS(es[0].Data); err != nil || got != 4_500 {
		t.Fatalf("entry left: ts %d, %v; want 4500", got, err)
	}
}

// TestFrontRefuses: a full log refuses the batch with ErrNotLogged (the
// reader gets 5.03), and so does an unreachable store.
func TestFrontRefuses(t *testing.T) {
	st, _ := open(t)
	front := ingest.NewFront(st, ingest.FrontConfig{MaxLen: 1}, nil)
	ctx := t.Context()
	if err := front.Ingest(ctx, []location.Sighting{sight(1, "a")}); err != nil {
		t.Fatal(err)
	}
	if err := front.Ingest(ctx, []location.Sighting{sight(2, "a")}); !errors.Is(err, ingest.ErrNotLogged) || !errors.Is(err, redisstore.ErrLogFull) {
		t.Fatalf("Ingest into a full log = %v; want ErrNotLogged and ErrLogFull", err)
	}
	st.Close()
	if err := front.Ingest(ctx, []location.Sighting{sight(3, "a")}); !errors.Is(err, ingest.ErrNotLogged) {
		t.Fatalf("Ingest with the store closed = %v; want ErrNotLogged", err)
	}
}

// decodeTS returns the time of the first sighting of a logged batch.
func decodeTS(data []byte) (int64, error) {
	var ss []struct {
		TS int64 `json:"t"`
	}
	if err := json.Unmarshal(data, &ss); err != nil || len(ss) == 0 {
		return 0, errors.Join(err, errors.New("no sighting"))
	}
	return ss[0].TS, nil
}

// eventually polls cond until it holds, failing after 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

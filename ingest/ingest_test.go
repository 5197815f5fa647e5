package ingest_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/ingest"
	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/pipeline"
	"github.com/hospitalrtls/rtls/rfid"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/redisstore"
)

// recorder is a Sink keeping what it was handed.
type recorder struct {
	mu  sync.Mutex // guards got
	got []location.Sighting
}

func (r *recorder) Take(_ context.Context, ss []location.Sighting) error {
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
		if _, err := front.Ingest(ctx, b); err != nil {
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
		if _, err := front.Ingest(ctx, []location.Sighting{sight(ts, "a")}); err != nil {
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
// reader gets 5.03), and so does an unreachable store; only the latter's
// batch is expected back (Expect: the engine waits for its retry).
func TestFrontRefuses(t *testing.T) {
	st, _ := open(t)
	expected := map[string]int64{}
	front := ingest.NewFront(st, ingest.FrontConfig{MaxLen: 1, Expect: func(reader string, ts int64) { expected[reader] = ts }}, nil)
	ctx := t.Context()
	if _, err := front.Ingest(ctx, []location.Sighting{sight(1, "a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := front.Ingest(ctx, []location.Sighting{sight(2, "a")}); !errors.Is(err, ingest.ErrNotLogged) || !errors.Is(err, redisstore.ErrLogFull) {
		t.Fatalf("Ingest into a full log = %v; want ErrNotLogged and ErrLogFull", err)
	}
	st.Close()
	if len(expected) != 0 {
		t.Errorf("Expect told %v for a full log; want nothing", expected)
	}
	if _, err := front.Ingest(ctx, []location.Sighting{sight(3, "a"), sight(2, "b")}); !errors.Is(err, ingest.ErrNotLogged) {
		t.Fatalf("Ingest with the store closed = %v; want ErrNotLogged", err)
	}
	if got, ok := expected["R1"]; !ok || got != 2 {
		t.Errorf("Expect told R1 %v (%v) for the store closed; want its oldest stamp 2", got, ok)
	}
}

// decodeTS returns the time of the first sighting of a logged batch.
// TestFrontSheds: after the log refused a batch because it is full (the
// engine behind), the front sheds batches for a moment without asking the
// store, and asks it again after; a store failure does not shed.
func TestFrontSheds(t *testing.T) {
	st, _ := open(t)
	now := time.UnixMilli(1_000_000)
	front := ingest.NewFront(st, ingest.FrontConfig{MaxLen: 1, Clock: func() time.Time { return now }}, nil)
	ctx := t.Context()
	if err := front.Shed(); err != nil {
		t.Fatalf("Shed before any refusal = %v; want nil", err)
	}
	if _, err := front.Ingest(ctx, []location.Sighting{sight(1, "a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := front.Ingest(ctx, []location.Sighting{sight(2, "a")}); !errors.Is(err, redisstore.ErrLogFull) {
		t.Fatalf("Ingest into a full log = %v; want ErrLogFull", err)
	}
	err := front.Shed()
	var r rfid.Retrier
	if !errors.Is(err, ingest.ErrNotLogged) || !errors.As(err, &r) || r.RetryAfter() != time.Second {
		t.Fatalf("Shed right after a full log = %v; want ErrNotLogged asking a retry after 1s", err)
	}
	now = now.Add(99 * time.Millisecond)
	if front.Shed() == nil {
		t.Fatal("Shed 99 ms after the refusal = nil; want it still shedding")
	}
	now = now.Add(time.Millisecond)
	if err := front.Shed(); err != nil {
		t.Fatalf("Shed 100 ms after the refusal = %v; want nil (ask the store again)", err)
	}
	st.Close()
	if _, err := front.Ingest(ctx, []location.Sighting{sight(3, "a")}); !errors.Is(err, ingest.ErrNotLogged) {
		t.Fatalf("Ingest with the store closed = %v; want ErrNotLogged", err)
	}
	if err := front.Shed(); err != nil {
		t.Fatalf("Shed after a store failure = %v; want nil (those batches are expected back)", err)
	}
}

func decodeTS(data []byte) (int64, error) {
	ss, err := ingest.Decode(data)
	if err != nil || len(ss) == 0 {
		return 0, errors.Join(err, errors.New("no sighting"))
	}
	return ss[0].TS, nil
}

// runConsumer resumes c into sink and runs it until the test ends; it
// returns a context that ends then.
func runConsumer(t *testing.T, c *ingest.Consumer, sink ingest.Sink) context.Context {
	t.Helper()
	if _, err := c.Resume(t.Context(), sink); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); _ = c.Run(ctx, sink) }()
	t.Cleanup(func() { cancel(); <-done })
	return ctx
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

// gate is a Sink that refuses (as a busy pipeline) until opened.
type gate struct {
	recorder
	open chan struct{}
}

func (g *gate) Take(ctx context.Context, ss []location.Sighting) error {
	select {
	case <-g.open:
		return g.recorder.Take(ctx, ss)
	default:
		return errors.New("busy")
	}
}

// TestFrontRefusesWhileConsumerBehind: admission by time across the log.
// While the engine refuses what the consumer hands it, the consumer does
// not move on, and once the oldest entry it has not taken is older than
// the front's MaxLag the front refuses batches (ErrLogBehind: 5.03)
// instead of acknowledging sightings that would wait past the lateness,
// without expecting them back (the engine is behind itself: holding it
// for the retries would only make every position later); once the engine
// takes again, the front does too, and every batch acknowledged reaches
// the engine.
func TestFrontRefusesWhileConsumerBehind(t *testing.T) {
	st, f := open(t)
	var mu sync.Mutex
	expected := map[string]int64{}
	front := ingest.NewFront(st, ingest.FrontConfig{MaxLag: 50 * time.Millisecond, Expect: func(reader string, ts int64) {
		mu.Lock()
		defer mu.Unlock()
		expected[reader] = ts
	}}, nil)
	sink := &gate{open: make(chan struct{})}
	c := ingest.NewConsumer(st, f, ingest.ConsumerConfig{EpochMS: 1_000})
	ctx := runConsumer(t, c, sink)

	acked := 0
	var refused error
	eventually(t, "the front refuses for the consumer's lag", func() bool {
		_, err := front.Ingest(ctx, []location.Sighting{sight(int64(1000+acked), "a")})
		if err == nil {
			acked++
			return false
		}
		refused = err
		return true
	})
	if !errors.Is(refused, ingest.ErrNotLogged) || !errors.Is(refused, redisstore.ErrLogBehind) {
		t.Fatalf("refusal = %v; want ErrNotLogged and ErrLogBehind", refused)
	}
	var r interface{ RetryAfter() time.Duration }
	if !errors.As(refused, &r) || r.RetryAfter() > time.Second {
		t.Errorf("refusal by lag asks no short retry (rfid.Retrier): %v", refused)
	}
	mu.Lock()
	if len(expected) != 0 {
		t.Errorf("Expect told %v for a refusal by lag; want nothing", expected)
	}
	mu.Unlock()
	close(sink.open)
	eventually(t, "the front takes batches again", func() bool {
		late, err := front.Ingest(ctx, []location.Sighting{sight(int64(1000+acked), "b")})
		return err == nil && late == 0
	})
	acked++
	eventually(t, "every acknowledged batch reaches the engine", func() bool { return len(sink.sightings()) == acked })
}

// TestIngestBar: the owner's consumer raises the ingest bar to the newest
// event time minus the lateness, never past a retry the engine waits for
// (a reader refused in a store outage); the front then tells readers that
// sightings at or before the bar are late (not appended, counted), takes
// the rest of a batch, and every acknowledged sighting reaches the engine.
// The consumer holds the engine (LogBacklog) only up to a bar whose log
// entries are all handed over.
func TestIngestBar(t *testing.T) {
	st, f := open(t)
	const now = int64(1_700_000_100_000)
	x := pipeline.NewExpected(time.Minute, func() time.Time { return time.UnixMilli(now) })
	x.Expect("R9", now-20_000) // the engine waits for R9's retry
	front := ingest.NewFront(st, ingest.FrontConfig{}, nil)
	sink := &recorder{}
	c := ingest.NewConsumer(st, f, ingest.ConsumerConfig{EpochMS: 1_000, LatenessMS: 3_000, Expected: x,
		Clock: func() time.Time { return time.UnixMilli(now) }})
	ctx := runConsumer(t, c, sink)

	acked := 0
	post := func(ts ...int64) int {
		var ss []location.Sighting
		for _, t := range ts {
			ss = append(ss, sight(t, "a"))
		}
		late, err := front.Ingest(ctx, ss)
		if err != nil {
			t.Fatal(err)
		}
		acked += len(ss) - late
		return late
	}
	eventually(t, "the bar raised up to the awaited retry", func() bool { return post(now-20_001) == 1 })
	if late := post(now-20_000, now-15_000); late != 0 {
		t.Errorf("%d sightings after the awaited retry refused as late; want 0", late)
	}
	x.Release("R9")
	eventually(t, "the bar raised to the clock minus the lateness", func() bool { return post(now-3_000) == 1 })
	if late := post(now-5_000, now-1_000, now-2_999); late != 1 {
		t.Errorf("a batch across the bar: %d late; want 1", late)
	}
	eventually(t, "every acknowledged sighting handed over", func() bool { return len(sink.sightings()) == acked })
	// the consumer moves the hold up on its next read after the handing
	eventually(t, "the engine held only up to the bar", func() bool { return x.FloorExcept("") == now-3_000+1 })
}

package pipeline

import (
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/location"
)

// TestIntakeAdmitsByTime: a batch is refused once the oldest queued one
// waited longer than the bound, or the queued sightings or the rest of a
// tick under way would take longer at the engine's pace; the watermark the engine may finalise stays
// before every queued sighting.
func TestIntakeAdmitsByTime(t *testing.T) {
	t0 := time.UnixMilli(1_700_000_000_000)
	now := t0
	q := newIntake(3, time.Second, 100, func() time.Time { return now })
	m := NewMetrics(nil)
	push := func(ts int64, n int) {
		b := queued{ss: make([]location.Sighting, n), at: now, minTS: ts, maxTS: ts}
		q.items = append(q.items, b)
		q.sightings += n
	}
	if cause := q.admit(now); cause != "" {
		t.Fatalf("empty queue: refused (%s)", cause)
	}
	push(5_050, 10)
	now = t0.Add(900 * time.Millisecond)
	if cause := q.admit(now); cause != "" {
		t.Fatalf("oldest waited 0.9 s of 1 s: refused (%s)", cause)
	}
	now = t0.Add(1100 * time.Millisecond)
	if cause := q.admit(now); cause != refusedQueueWait {
		t.Fatalf("oldest waited 1.1 s of 1 s: %q, want %q", cause, refusedQueueWait)
	}
	if wm := q.hold(9_000); wm != 5_049 || q.flushed != 5_000 {
		t.Fatalf("hold(9000) with a sighting at 5050 queued: %d (finalised %d), want 5049 (5000)", wm, q.flushed)
	}
	if _, ok := q.pop(m); !ok {
		t.Fatal("pop: nothing queued")
	}
	if wm := q.hold(9_000); wm != 9_000 || q.flushed != 9_000 {
		t.Fatalf("hold(9000) with nothing queued: %d (finalised %d)", wm, q.flushed)
	}

	// 1 ms a sighting: 1,500 queued sightings are 1.5 s of work.
	q.noteCost(time.Second, 1000)
	push(10_000, 1500)
	if cause := q.admit(now); cause != refusedQueueWait {
		t.Fatalf("1.5 s of queued work: %q, want %q", cause, refusedQueueWait)
	}
	for range 8 { // the engine got faster: the average follows
		q.noteCost(0, 1000)
	}
	if cause := q.admit(now); cause != "" {
		t.Fatalf("%v ns a sighting, 1500 queued: refused (%s)", q.costNS.Load(), cause)
	}
	q.pop(m)

	// Ticks take 2 s: a batch arriving 0.4 s into one would wait 1.6 s;
	// one arriving 1.2 s into it 0.8 s.
	q.beginTick(now)
	q.endTick(now.Add(2 * time.Second))
	now = now.Add(10 * time.Second)
	q.beginTick(now)
	if cause := q.admit(now.Add(400 * time.Millisecond)); cause != refusedQueueWait {
		t.Fatalf("0.4 s into a 2 s tick: %q, want %q", cause, refusedQueueWait)
	}
	if cause := q.admit(now.Add(1200 * time.Millisecond)); cause != "" {
		t.Fatalf("1.2 s into a 2 s tick: refused (%s)", cause)
	}
	q.endTick(now.Add(2 * time.Second))

	push(10_000, 1)
	push(10_000, 1)
	push(10_000, 1)
	if cause := q.admit(now); cause != refusedQueueFull {
		t.Fatalf("3 of 3 batches queued: %q, want %q", cause, refusedQueueFull)
	}
}

// TestIntakeBehind: before finalising a watermark the engine takes the
// queued batches up to the last one with a sighting at or before it (an
// older batch queued behind newer ones included), and none when every
// queued sighting is newer.
func TestIntakeBehind(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	q := newIntake(10, time.Second, 1000, func() time.Time { return now })
	if n := q.behind(5_000); n != 0 {
		t.Fatalf("empty queue: behind(5000) = %d", n)
	}
	for _, ts := range []int64{8_100, 8_200, 4_900, 8_300} { // a retried batch third
		q.items = append(q.items, queued{ss: make([]location.Sighting, 1), at: now, minTS: ts, maxTS: ts})
	}
	for _, c := range []struct{ wm, want int64 }{{4_000, 0}, {4_900, 3}, {8_150, 3}, {8_250, 3}, {8_300, 4}} {
		if n := q.behind(c.wm); int64(n) != c.want {
			t.Errorf("behind(%d) = %d, want %d", c.wm, n, c.want)
		}
	}
	q.pop(NewMetrics(nil))
	if n := q.behind(4_900); n != 2 {
		t.Errorf("after a pop: behind(4900) = %d, want 2", n)
	}
}

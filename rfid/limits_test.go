package rfid

import (
	"sync"
	"testing"
	"time"

	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/codes"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex // guards now
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestReaderRateLimits(t *testing.T) {
	clock := &fakeClock{now: time.Now()}
	ts := startServer(t, Config{Clock: clock.Now,
		ReaderBatchRate: 1, ReaderBatchBurst: 2,
		ReaderSightingRate: 4, ReaderSightingBurst: 10})
	seq := uint64(0)
	send := func(reader string, n int) (reply, uint32) {
		seq++
		cc := dial(t, ts.addr)
		defer cc.Close()
		return postOn(t, cc, mustJSON(t, sampleBatch(reader, seq, n, clock.Now())))
	}
	steps := []struct {
		name    string
		advance time.Duration
		reader  string
		n       int
		want    codes.Code
		maxAge  uint32
	}{
		{"first batch", 0, "R-L0-S03", 4, codes.Changed, 0},
		{"second batch, burst of 2", 0, "R-L0-S03", 4, codes.Changed, 0},
		{"third batch at once", 0, "R-L0-S03", 1, codes.TooManyRequests, 1},
		{"another reader has its own buckets", 0, "R-L0-S02", 4, codes.Changed, 0},
		// After 1 s: one batch token, 2 + 4 = 6 sighting tokens.
		{"too many sightings", time.Second, "R-L0-S03", 8, codes.TooManyRequests, 1},
		{"the batch token was not spent", 0, "R-L0-S03", 6, codes.Changed, 0},
		// After 3 s: batch tokens are back, 12 sightings -> capped at 10.
		{"sighting bucket full again", 3 * time.Second, "R-L0-S03", 10, codes.Changed, 0},
		{"empty bucket: Max-Age rounds up", time.Second, "R-L0-S03", 10, codes.TooManyRequests, 2},
	}
	for _, st := range steps {
		clock.advance(st.advance)
		r, maxAge := send(st.reader, st.n)
		if r.code != st.want || maxAge != st.maxAge {
			t.Fatalf("%s: got %v Max-Age %d %q, want %v Max-Age %d", st.name, r.code, maxAge, r.body, st.want, st.maxAge)
		}
	}
	if n := metricValue(t, ts.metrics.rateLimited.WithLabelValues("R-L0-S03", limitBatches)); n != 1 {
		t.Errorf("batch limit counter %v, want 1", n)
	}
	if n := metricValue(t, ts.metrics.rateLimited.WithLabelValues("R-L0-S03", limitSightings)); n != 2 {
		t.Errorf("sighting limit counter %v, want 2", n)
	}
	if r := post(t, ts.addr, SightingsPath, message.AppJSON, mustJSON(t, sampleBatch("R-L0-S02", 99, 11, clock.Now()))); r.code != codes.TooManyRequests {
		t.Errorf("batch over the sighting burst: %v, want 4.29", r.code)
	}
}

package load

import (
	"bytes"
	"strings"
	"testing"
	"time"

	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
)

func TestQuantiles(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // 100..1, unsorted
	}
	tests := []struct {
		name string
		in   []time.Duration
		want Quantiles
	}{
		{"empty", nil, Quantiles{}},
		{"one", ms(7), Quantiles{N: 1, P50: 7 * time.Millisecond, P90: 7 * time.Millisecond, P99: 7 * time.Millisecond, Max: 7 * time.Millisecond}},
		{"hundred", ms(hundred...), Quantiles{N: 100, P50: 50 * time.Millisecond, P90: 90 * time.Millisecond, P99: 99 * time.Millisecond, Max: 100 * time.Millisecond}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := quantiles(tc.in); got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestReport matches ENTERs to the second whose batches carried them and
// counts events in the sending window only.
func TestReport(t *testing.T) {
	start := time.UnixMilli(1_000_000)
	d := &driver{cfg: Config{Tags: 2, Debounce: 2 * time.Second, Lateness: 3 * time.Second},
		mob: &mobility{}, start: start, end: start.Add(10 * time.Second),
		sent: map[int64]time.Time{1_001_000: start.Add(time.Second), 1_002_000: start.Add(2 * time.Second)}}
	events := []received{
		{typ: rtlsv1.EventType_ENTER, ts: 1_001_000, at: start.Add(6500 * time.Millisecond)},
		{typ: rtlsv1.EventType_EXIT, ts: 1_002_000, at: start.Add(7 * time.Second)},
		{typ: rtlsv1.EventType_ENTER, ts: 1_002_000, at: start.Add(7300 * time.Millisecond)},
		{typ: rtlsv1.EventType_ENTER, ts: 1_003_500, at: start.Add(12 * time.Second)}, // no such second; after the window
	}
	r := d.report(events, 5)
	if r.Events != 3 || r.EventsPerSec != 0.3 || r.Enters != 2 || r.Unmatched != 1 || r.Others != 5 {
		t.Fatalf("counts: %+v", r)
	}
	if r.Latency.P50 != 5300*time.Millisecond || r.Latency.Max != 5500*time.Millisecond {
		t.Fatalf("latency %+v, want 5.3 s and 5.5 s", r.Latency)
	}
	if r.Beyond.P50 != 300*time.Millisecond || r.Beyond.Max != 500*time.Millisecond {
		t.Fatalf("beyond %+v, want 300 ms and 500 ms", r.Beyond)
	}
	var out bytes.Buffer
	r.Write(&out)
	for _, want := range []string{"0.3 events/s", "p50 5.3s", "beyond debounce + lateness (2s + 3s): p50 300ms"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

package rfid

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/hospitalrtls/rtls/location"
	"github.com/plgd-dev/go-coap/v3/message"
	"github.com/plgd-dev/go-coap/v3/message/codes"
)

func decodeResult(t *testing.T, r reply) Result {
	t.Helper()
	var res Result
	var err error
	switch message.MediaType(r.format) {
	case message.AppJSON:
		err = json.Unmarshal(r.body, &res)
	case message.AppCBOR:
		err = cbor.Unmarshal(r.body, &res)
	default:
		t.Fatalf("result in format %d, body %q", r.format, r.body)
	}
	if err != nil {
		t.Fatalf("decode result %q: %v", r.body, err)
	}
	return res
}

func TestPostBatchAccepted(t *testing.T) {
	now := time.Now()
	b := sampleBatch(" R-L0-S03 ", 17, 12, now)
	b.Sightings[0].Tag = "  PUMP-008 "
	tests := []struct {
		name   string
		format message.MediaType
		body   []byte
	}{
		{"json", message.AppJSON, mustJSON(t, b)},
		{"cbor", message.AppCBOR, mustCBOR(t, b)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, Config{})
			r := post(t, ts.addr, SightingsPath, tt.format, tt.body)
			if r.code != codes.Changed || r.format != int(tt.format) {
				t.Fatalf("got %v format %d %q, want 2.04 in %d", r.code, r.format, r.body, tt.format)
			}
			if res := decodeResult(t, r); res != (Result{Accepted: 12}) {
				t.Errorf("result %+v, want 12 accepted", res)
			}
			got := ts.sink.all()
			if len(got) != 12 {
				t.Fatalf("sink got %d sightings, want 12", len(got))
			}
			want := location.Sighting{TS: b.Sightings[0].TS, Reader: "R-L0-S03", Tag: "PUMP-008", RSSI: -40}
			if got[0] != want {
				t.Errorf("first sighting %+v, want %+v", got[0], want)
			}
			if n := metricValue(t, ts.metrics.accepted); n != 12 {
				t.Errorf("accepted counter %v, want 12", n)
			}
		})
	}
}

func TestPostBatchDropsBadSightings(t *testing.T) {
	now := time.Now()
	ms := now.UnixMilli()
	body := []byte(`{"reader":"R-L0-S02","seq":3,"sightings":[
		{"ts":` + itoa(ms) + `,"tag":"PUMP-001","rssi":-71},
		{"ts":` + itoa(ms) + `,"tag":"PUMP-002","rssi":-130},
		{"ts":` + itoa(ms) + `,"tag":"PUMP-003","rssi":3},
		{"ts":` + itoa(ms) + `,"tag":"   ","rssi":-60},
		{"ts":` + itoa(ms) + `,"tag":"` + strings.Repeat("X", 65) + `","rssi":-60},
		{"ts":` + itoa(ms) + `,"tag":"BAD\u0007TAG","rssi":-60},
		{"ts":` + itoa(ms+10*60*1000) + `,"tag":"PUMP-004","rssi":-60},
		{"ts":` + itoa(ms-2*3600*1000) + `,"tag":"PUMP-005","rssi":-60},
		{"ts":` + itoa(ms) + `,"tag":"PUMP-006"},
		{"tag":"PUMP-007","rssi":-50},
		{"ts":` + itoa(ms-1000) + `,"tag":"PUMP-008","rssi":0,"antenna":2}
	]}`)
	ts := startServer(t, Config{})
	r := post(t, ts.addr, SightingsPath, message.AppJSON, body)
	if r.code != codes.Changed {
		t.Fatalf("got %v %q, want 2.04", r.code, r.body)
	}
	if res := decodeResult(t, r); res != (Result{Accepted: 2, Dropped: 9}) {
		t.Errorf("result %+v, want 2 accepted 9 dropped", res)
	}
	var tags []string
	for _, s := range ts.sink.all() {
		tags = append(tags, s.Tag)
	}
	if strings.Join(tags, ",") != "PUMP-001,PUMP-008" {
		t.Errorf("sink got tags %v, want PUMP-001,PUMP-008", tags)
	}
	wantDrops := map[string]float64{
		"rssi_out_of_range": 2, "tag_empty": 1, "tag_too_long": 1, "tag_invalid": 1,
		"ts_future": 1, "ts_too_old": 1, "missing_field": 2,
	}
	for reason, want := range wantDrops {
		if got := metricValue(t, ts.metrics.dropped.WithLabelValues(reason)); got != want {
			t.Errorf("dropped{reason=%s} = %v, want %v", reason, got, want)
		}
	}
}

func TestPostBatchCBORNaN(t *testing.T) {
	now := time.Now()
	b := sampleBatch("R-L0-S03", 0, 2, now)
	b.Sightings[1].RSSI = nan()
	ts := startServer(t, Config{})
	r := post(t, ts.addr, SightingsPath, message.AppCBOR, mustCBOR(t, b))
	if res := decodeResult(t, r); res != (Result{Accepted: 1, Dropped: 1}) {
		t.Errorf("result %+v, want 1 accepted 1 dropped", res)
	}
	if got := metricValue(t, ts.metrics.dropped.WithLabelValues("rssi_out_of_range")); got != 1 {
		t.Errorf("dropped{rssi_out_of_range} = %v, want 1", got)
	}
}

func TestPostRejected(t *testing.T) {
	now := time.Now()
	good := sampleBatch("R-L0-S03", 1, 3, now)
	goodCBOR := mustCBOR(t, good)
	tests := []struct {
		name   string
		path   string
		format message.MediaType
		body   []byte
		code   codes.Code
		reason string
	}{
		{"malformed json", SightingsPath, message.AppJSON, []byte(`{"reader":"R-L0-S03","seq":1,"sightings":[{"ts":1`), codes.BadRequest, "malformed payload"},
		{"json trailing garbage", SightingsPath, message.AppJSON, []byte(`{"reader":"R-L0-S03","sightings":[]} x`), codes.BadRequest, "malformed payload"},
		{"truncated cbor", SightingsPath, message.AppCBOR, goodCBOR[:len(goodCBOR)-5], codes.BadRequest, "malformed payload"},
		{"json in cbor", SightingsPath, message.AppCBOR, mustJSON(t, good), codes.BadRequest, "malformed payload"},
		{"seq of wrong type", SightingsPath, message.AppJSON, []byte(`{"reader":"R-L0-S03","seq":"x","sightings":[]}`), codes.BadRequest, "seq"},
		{"rssi of wrong type", SightingsPath, message.AppJSON, []byte(`{"reader":"R-L0-S03","sightings":[{"ts":1,"tag":"A","rssi":"-70"}]}`), codes.BadRequest, "rssi"},
		{"cbor wrong type", SightingsPath, message.AppCBOR, mustCBOR(t, map[string]any{"reader": 7, "sightings": []any{}}), codes.BadRequest, "malformed payload"},
		{"missing sightings", SightingsPath, message.AppJSON, []byte(`{"reader":"R-L0-S03","seq":1}`), codes.BadRequest, "missing sightings"},
		{"missing reader", SightingsPath, message.AppJSON, []byte(`{"reader":" ","sightings":[]}`), codes.BadRequest, "missing reader"},
		{"text format", SightingsPath, message.TextPlain, mustJSON(t, good), codes.UnsupportedMediaType, "unsupported content format"},
		{"xml format", SightingsPath, message.AppXML, mustJSON(t, good), codes.UnsupportedMediaType, "unsupported content format"},
		{"unknown reader", SightingsPath, message.AppJSON, mustJSON(t, sampleBatch("R-NOPE", 1, 1, now)), codes.NotFound, `unknown reader: "R-NOPE"`},
		{"unknown path", "/v1/nope", message.AppJSON, mustJSON(t, good), codes.NotFound, "no such resource"},
		{"body too large", SightingsPath, message.AppJSON, mustJSON(t, sampleBatch("R-L0-S03", 1, 200, now)), codes.RequestEntityTooLarge, "body of"},
		{"too many sightings json", SightingsPath, message.AppJSON, mustJSON(t, sampleBatch("R-L0-S03", 1, 40, now)), codes.RequestEntityTooLarge, "40 sightings, at most 32"},
		{"too many sightings cbor", SightingsPath, message.AppCBOR, mustCBOR(t, sampleBatch("R-L0-S03", 1, 40, now)), codes.RequestEntityTooLarge, "more than 32 sightings"},
	}
	ts := startServer(t, Config{MaxBodyBytes: 4096, MaxSightings: 32})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, ts.addr, tt.path, tt.format, tt.body)
			if r.code != tt.code {
				t.Fatalf("got %v %q, want %v", r.code, r.body, tt.code)
			}
			if r.format != int(message.TextPlain) || !strings.Contains(string(r.body), tt.reason) {
				t.Errorf("got reason %q (format %d), want text/plain containing %q", r.body, r.format, tt.reason)
			}
		})
	}
	if n := ts.sink.calls(); n != 0 {
		t.Errorf("sink called %d times for rejected batches", n)
	}
	if got := metricValue(t, ts.metrics.batches.WithLabelValues("4.00")); got != 9 {
		t.Errorf("batches{code=4.00} = %v, want 9", got)
	}
}

func TestPostSinkUnavailable(t *testing.T) {
	ts := startServer(t, Config{})
	ts.sink.fail(errors.New("engine overloaded"))
	r := post(t, ts.addr, SightingsPath, message.AppJSON, mustJSON(t, sampleBatch("R-L0-S03", 9, 2, time.Now())))
	if r.code != codes.ServiceUnavailable {
		t.Fatalf("got %v %q, want 5.03", r.code, r.body)
	}
	if strings.Contains(string(r.body), "overloaded") {
		t.Errorf("5.03 reason %q leaks the sink error", r.body)
	}
	// The reader retries the same batch later; it must not count as a duplicate.
	ts.sink.fail(nil)
	r = post(t, ts.addr, SightingsPath, message.AppJSON, mustJSON(t, sampleBatch("R-L0-S03", 9, 2, time.Now())))
	if r.code != codes.Changed || ts.sink.calls() != 1 {
		t.Errorf("retry got %v with %d sink calls, want 2.04 and 1", r.code, ts.sink.calls())
	}
}

func TestGetNotAllowed(t *testing.T) {
	ts := startServer(t, Config{})
	r := get(t, ts.addr, SightingsPath)
	if r.code != codes.MethodNotAllowed {
		t.Fatalf("got %v %q, want 4.05", r.code, r.body)
	}
}

func TestRepeatedSeqProcessedOnce(t *testing.T) {
	now := time.Now()
	ts := startServer(t, Config{})
	first := mustJSON(t, sampleBatch("R-L0-S03", 42, 5, now))
	same := post(t, ts.addr, SightingsPath, message.AppJSON, first)
	again := post(t, ts.addr, SightingsPath, message.AppJSON, first)
	if same.code != codes.Changed || string(same.body) != string(again.body) {
		t.Fatalf("repeat answered %v %q, first %v %q", again.code, again.body, same.code, same.body)
	}
	if n := ts.sink.calls(); n != 1 {
		t.Errorf("sink called %d times for a repeated (reader, seq), want 1", n)
	}
	if got := metricValue(t, ts.metrics.duplicates.WithLabelValues(dupSeq)); got != 1 {
		t.Errorf("duplicates{seq} = %v, want 1", got)
	}
	// Same seq with another body: the reader restarted its counter.
	post(t, ts.addr, SightingsPath, message.AppJSON, mustJSON(t, sampleBatch("R-L0-S03", 42, 6, now)))
	// seq 0 means unknown: never deduplicated.
	zero := mustJSON(t, sampleBatch("R-L0-S03", 0, 1, now))
	post(t, ts.addr, SightingsPath, message.AppJSON, zero)
	post(t, ts.addr, SightingsPath, message.AppJSON, zero)
	if n := ts.sink.calls(); n != 4 {
		t.Errorf("sink called %d times, want 4", n)
	}
}

func TestSeqDedupeDisabled(t *testing.T) {
	ts := startServer(t, Config{SeqWindow: -1})
	body := mustJSON(t, sampleBatch("R-L0-S03", 42, 1, time.Now()))
	post(t, ts.addr, SightingsPath, message.AppJSON, body)
	post(t, ts.addr, SightingsPath, message.AppJSON, body)
	if n := ts.sink.calls(); n != 2 {
		t.Errorf("sink called %d times with the seq check off, want 2", n)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestLogsCarryNoTagIDs(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ts := startServer(t, Config{Logger: logger})
	now := time.Now()
	b := sampleBatch("R-L0-S03", 5, 3, now)
	b.Sightings[0].Tag = "PATIENT-4711"
	b.Sightings[1].Tag = "PATIENT-0815 "
	b.Sightings[2] = WireSighting{TS: now.UnixMilli(), Tag: "PATIENT-0042", RSSI: -500} // dropped
	post(t, ts.addr, SightingsPath, message.AppJSON, mustJSON(t, b))
	ts.sink.fail(errors.New("engine down"))
	b.Seq = 6
	post(t, ts.addr, SightingsPath, message.AppCBOR, mustCBOR(t, b))
	post(t, ts.addr, SightingsPath, message.AppJSON, []byte(`{"reader":"R-L0-S03","sightings":[{"ts":1,"tag":"PATIENT-9999","rssi":"x"}]}`))
	out := logs.String()
	if !strings.Contains(out, "R-L0-S03") {
		t.Fatalf("logs do not mention the reader; nothing was logged?\n%s", out)
	}
	if strings.Contains(out, "PATIENT") {
		t.Errorf("logs carry a tag id:\n%s", out)
	}
}

// TestPostSinkLate: sightings the engine had finalised the time of
// already (a retry come too late) are answered in the 2.04 as dropped as
// late, not accepted: the reader is told the truth and no sighting is
// acknowledged as accepted and then dropped.
func TestPostSinkLate(t *testing.T) {
	ts := startServer(t, Config{})
	for _, c := range []struct{ late, accepted int }{{3, 0}, {1, 2}} {
		ts.sink.mu.Lock()
		ts.sink.late = c.late
		ts.sink.mu.Unlock()
		r := post(t, ts.addr, SightingsPath, message.AppJSON, mustJSON(t, sampleBatch("R-L0-S03", uint64(10+c.late), 3, time.Now())))
		if r.code != codes.Changed {
			t.Fatalf("got %v %q, want 2.04", r.code, r.body)
		}
		if res := decodeResult(t, r); res.Accepted != c.accepted || res.Dropped != c.late {
			t.Errorf("%d late: result %+v, want %d accepted, %d dropped", c.late, res, c.accepted, c.late)
		}
	}
	if got := metricValue(t, ts.metrics.dropped.WithLabelValues("late")); got != 4 {
		t.Errorf("dropped{reason=late} = %v, want 4", got)
	}
	if got := metricValue(t, ts.metrics.accepted); got != 2 {
		t.Errorf("accepted = %v, want 2", got)
	}
}

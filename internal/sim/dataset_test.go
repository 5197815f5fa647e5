package sim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"
)

// sightingLine and truthLine are the FORMATS.md lines, with pointers where
// a field must be present.
type sightingLine struct {
	TS     *int64   `json:"ts"`
	Reader *string  `json:"reader"`
	Tag    *string  `json:"tag"`
	RSSI   *float64 `json:"rssi"`
	Seq    *uint64  `json:"seq"`
}

type truthLine struct {
	TS    *int64   `json:"ts"`
	Tag   *string  `json:"tag"`
	Level *string  `json:"level"`
	X     *float64 `json:"x"`
	Y     *float64 `json:"y"`
	Room  *string  `json:"room"`
}

func TestWriteDataset(t *testing.T) {
	plan := demoPlan(t)
	cfg := DatasetConfig{
		Sim: DefaultConfig(11), Batch: DefaultBatchConfig(11),
		Tags: demoTags(), Duration: 2 * time.Minute,
	}
	var sw, tw bytes.Buffer
	st, err := WriteDataset(context.Background(), plan, cfg, &sw, &tw)
	if err != nil {
		t.Fatal(err)
	}
	var truth []truthLine
	decodeLines(t, &tw, func(l truthLine) { truth = append(truth, l) })
	if want := len(cfg.Tags) * 121; len(truth) != want || st.TruthRows != want {
		t.Errorf("truth rows %d (stats %d), want %d", len(truth), st.TruthRows, want)
	}
	for _, l := range truth {
		if l.TS == nil || l.Tag == nil || l.Level == nil || l.X == nil || l.Y == nil {
			t.Fatalf("truth line misses a field: %+v", l)
		}
		if _, ok := plan.Level(*l.Level); !ok {
			t.Fatalf("truth level %q unknown", *l.Level)
		}
		if (*l.TS-DefaultStart.UnixMilli())%1000 != 0 {
			t.Fatalf("truth ts %d not on a whole second", *l.TS)
		}
	}
	type key struct {
		ts          int64
		reader, tag string
	}
	var n, dups, outOfOrder int
	seen := map[key]bool{}
	var last int64
	decodeLines(t, &sw, func(l sightingLine) {
		if l.TS == nil || l.Reader == nil || l.Tag == nil || l.RSSI == nil || l.Seq == nil {
			t.Fatalf("sighting line misses a field: %+v", l)
		}
		if _, ok := plan.Reader(*l.Reader); !ok || *l.RSSI < -120 || *l.RSSI > 0 {
			t.Fatalf("bad sighting %s %v", *l.Reader, *l.RSSI)
		}
		k := key{*l.TS, *l.Reader, *l.Tag}
		if seen[k] {
			dups++
		}
		seen[k] = true
		if *l.TS < last-1000 {
			outOfOrder++
		}
		last = max(last, *l.TS)
		n++
	})
	if n != st.Sightings || n == 0 {
		t.Errorf("%d sighting lines, stats say %d", n, st.Sightings)
	}
	if dups == 0 || outOfOrder == 0 {
		t.Errorf("duplicates %d, late (>1 s) %d: expected some of both", dups, outOfOrder)
	}
}

// decodeLines decodes each line of r strictly into a T.
func decodeLines[T any](t *testing.T, r *bytes.Buffer, f func(T)) {
	t.Helper()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var v T
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		f(v)
	}
}

func TestWriteDatasetRejectsShortDuration(t *testing.T) {
	var b bytes.Buffer
	_, err := WriteDataset(context.Background(), demoPlan(t), DatasetConfig{Sim: DefaultConfig(1), Tags: demoTags()}, &b, &b)
	if !errorsIs(err, ErrDuration) {
		t.Errorf("WriteDataset(0 s): %v, want ErrDuration", err)
	}
}

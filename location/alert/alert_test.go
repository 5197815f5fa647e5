package alert

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func newDetector(t *testing.T, cfg Config) *Detector {
	t.Helper()
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestPress(t *testing.T) {
	// reports of one tag, in arrival order: seconds of event time
	tests := []struct {
		name    string
		reports []float64
		want    []bool
	}{
		{"one report", []float64{0}, []bool{true}},
		{"held for 4 s, heard every second", []float64{0, 1, 2, 3, 4}, []bool{true, false, false, false, false}},
		{"three readers hear one beacon", []float64{5, 5, 5}, []bool{true, false, false}},
		{"retransmission after later reports", []float64{0, 1, 0}, []bool{true, false, false}},
		{"released 10 s: same press", []float64{0, 10}, []bool{true, false}},
		{"released over 10 s: new press", []float64{0, 10.001}, []bool{true, true}},
		{"held long, then pressed again", []float64{0, 8, 16, 24, 40}, []bool{true, false, false, false, true}},
		{"late report of an old press", []float64{30, 0}, []bool{true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDetector(t, Config{})
			var got []bool
			for _, s := range tt.reports {
				got = append(got, d.Press("STAFF-1", int64(s*1000)))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPressTagsIndependent(t *testing.T) {
	d := newDetector(t, Config{})
	if !d.Press("A", 1000) || !d.Press("B", 1000) || d.Press("A", 2000) {
		t.Error("each tag's first report is a press, the next one of A is not")
	}
}

func TestExpireIgnoresVeryLateRepeats(t *testing.T) {
	d := newDetector(t, Config{PressGap: time.Second, Forget: time.Minute})
	if !d.Press("A", 0) {
		t.Fatal("first report is a press")
	}
	d.Expire(61_000) // A's press is forgotten
	if d.Press("A", 500) {
		t.Error("a repeat older than the forget horizon raised a press")
	}
	if !d.Press("A", 61_500) {
		t.Error("a new report after expiry is a press")
	}
	if len(d.presses) != 1 {
		t.Errorf("%d presses remembered, want 1", len(d.presses))
	}
}

func TestLevel(t *testing.T) {
	tests := []struct {
		name   string
		levels []int
		want   []bool
	}{
		{"healthy", []int{90, 80, 21}, []bool{false, false, false}},
		{"first report already low", []int{12}, []bool{true}},
		{"crossing fires once", []int{30, 20, 19, 18, 20}, []bool{false, true, false, false, false}},
		{"20 21 20 does not re-fire", []int{20, 21, 20, 24, 20}, []bool{true, false, false, false, false}},
		{"re-armed at threshold + 5", []int{20, 25, 20}, []bool{true, false, true}},
		{"charged and drained again", []int{50, 10, 100, 15}, []bool{false, true, false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDetector(t, Config{})
			var got []bool
			for i, p := range tt.levels {
				got = append(got, d.Level("PUMP-1", p, int64(i)*1000))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLevelIgnoresOlderReports(t *testing.T) {
	d := newDetector(t, Config{})
	d.Level("PUMP-1", 50, 2000)
	if d.Level("PUMP-1", 10, 1000) {
		t.Error("an older low report fired")
	}
	if got := d.TakeChanged(); len(got) != 1 || got[0].Percent != 50 {
		t.Errorf("changed %+v, want the 50%% report only", got)
	}
}

func TestTakeChangedAndRestore(t *testing.T) {
	d := newDetector(t, Config{LowBattery: 30, Rearm: 10})
	d.Level("A", 80, 1)
	d.Level("B", 25, 1)
	d.Level("A", 80, 2) // a repeat is not a change
	d.Level("A", 79, 3)
	want := []Battery{{Tag: "A", Percent: 79, TS: 3}, {Tag: "B", Percent: 25, TS: 1, Low: true}}
	got := d.TakeChanged()
	if !slices.Equal(got, want) {
		t.Fatalf("changed %+v, want %+v", got, want)
	}
	if got := d.TakeChanged(); got != nil {
		t.Errorf("changed again %+v, want none", got)
	}
	// after a restart, B stays low: 28 does not fire; 40 re-arms, 30 fires
	r := newDetector(t, Config{LowBattery: 30, Rearm: 10})
	r.Restore(want)
	for i, c := range []struct {
		pct  int
		want bool
	}{{28, false}, {40, false}, {30, true}} {
		if got := r.Level("B", c.pct, int64(10+i)); got != c.want {
			t.Errorf("B at %d%%: crossed %v, want %v", c.pct, got, c.want)
		}
	}
}

func TestConfig(t *testing.T) {
	for _, cfg := range []Config{
		{LowBattery: 101}, {LowBattery: -1}, {Rearm: -5}, {PressGap: -time.Second},
		{PressGap: time.Hour, Forget: time.Minute},
	} {
		if _, err := New(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("New(%+v) = %v, want ErrConfig", cfg, err)
		}
	}
	d := newDetector(t, Config{})
	if c := d.Config(); c.LowBattery != DefaultLowBattery || c.Rearm != DefaultRearm || c.PressGap != DefaultPressGap {
		t.Errorf("defaults %+v", c)
	}
}

package rfid_test

import (
	"testing"
	"time"

	"github.com/hospitalrtls/rtls/rfid"
)

// TestShedWindow: a window opened at t sheds for ShedFor from t, and
// reports being opened after any time before t only.
func TestShedWindow(t *testing.T) {
	var w rfid.ShedWindow
	t0 := time.UnixMilli(1_700_000_000_000)
	if w.Shedding(t0) || w.OpenedSince(t0.Add(-time.Hour)) {
		t.Fatal("a window never opened sheds or reports being opened")
	}
	w.Open(t0)
	for _, c := range []struct {
		at   time.Duration
		shed bool
	}{{0, true}, {rfid.ShedFor - time.Millisecond, true}, {rfid.ShedFor, false}} {
		if got := w.Shedding(t0.Add(c.at)); got != c.shed {
			t.Errorf("Shedding %v after opening: %v, want %v", c.at, got, c.shed)
		}
	}
	if !w.OpenedSince(t0.Add(-time.Millisecond)) || w.OpenedSince(t0) {
		t.Errorf("opened at t0: OpenedSince(t0-1ms) %v (want true), OpenedSince(t0) %v (want false)",
			w.OpenedSince(t0.Add(-time.Millisecond)), w.OpenedSince(t0))
	}
}

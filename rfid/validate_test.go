package rfid

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestCheckSighting(t *testing.T) {
	now := time.Unix(1_763_719_200, 0)
	ms := now.UnixMilli()
	l := newLimits(Config{MaxFuture: time.Minute, MaxAge: time.Hour, MaxTagLen: 8}, now)
	ok := WireSighting{TS: ms, Tag: "PUMP-008", RSSI: -71}
	with := func(f func(*WireSighting)) WireSighting { w := ok; f(&w); return w }
	tests := []struct {
		name   string
		w      WireSighting
		reason dropReason
		bad    bool
	}{
		{"good", ok, 0, false},
		{"rssi at -120", with(func(w *WireSighting) { w.RSSI = -120 }), 0, false},
		{"rssi at 0", with(func(w *WireSighting) { w.RSSI = 0 }), 0, false},
		{"rssi below", with(func(w *WireSighting) { w.RSSI = -120.5 }), dropRSSI, true},
		{"rssi above", with(func(w *WireSighting) { w.RSSI = 0.1 }), dropRSSI, true},
		{"rssi NaN", with(func(w *WireSighting) { w.RSSI = math.NaN() }), dropRSSI, true},
		{"rssi -Inf", with(func(w *WireSighting) { w.RSSI = math.Inf(-1) }), dropRSSI, true},
		{"rssi missing", with(func(w *WireSighting) { w.RSSI = rssiMissing }), dropMissingField, true},
		{"ts missing", with(func(w *WireSighting) { w.TS = tsMissing }), dropMissingField, true},
		{"tag empty", with(func(w *WireSighting) { w.Tag = "" }), dropTagEmpty, true},
		{"tag at limit", with(func(w *WireSighting) { w.Tag = "12345678" }), 0, false},
		{"tag too long", with(func(w *WireSighting) { w.Tag = "123456789" }), dropTagTooLong, true},
		{"tag control char", with(func(w *WireSighting) { w.Tag = "A\x00B" }), dropTagInvalid, true},
		{"tag bad utf8", with(func(w *WireSighting) { w.Tag = "A\xffB" }), dropTagInvalid, true},
		{"ts at future limit", with(func(w *WireSighting) { w.TS = ms + 60_000 }), 0, false},
		{"ts past future limit", with(func(w *WireSighting) { w.TS = ms + 60_001 }), dropTSFuture, true},
		{"ts at age limit", with(func(w *WireSighting) { w.TS = ms - 3_600_000 }), 0, false},
		{"ts past age limit", with(func(w *WireSighting) { w.TS = ms - 3_600_001 }), dropTSTooOld, true},
		{"ts max int", with(func(w *WireSighting) { w.TS = math.MaxInt64 }), dropTSFuture, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, bad := l.check(tt.w, normaliseID(tt.w.Tag))
			if bad != tt.bad || (bad && r != tt.reason) {
				t.Errorf("check = %v %v, want %v %v", r, bad, tt.reason, tt.bad)
			}
		})
	}
}

func TestConvertNormalises(t *testing.T) {
	now := time.Unix(1_763_719_200, 0)
	l := newLimits(Config{MaxFuture: time.Minute, MaxAge: time.Hour, MaxTagLen: 64}, now)
	b := Batch{Reader: "R-L0-S03", Seq: 5, Sightings: []WireSighting{
		{TS: now.UnixMilli(), Tag: "\t PUMP-008 \n", RSSI: -60},
		{TS: now.UnixMilli(), Tag: "  ", RSSI: -60},
	}}
	var drops []dropReason
	got := l.convert(b, func(r dropReason) { drops = append(drops, r) })
	if len(got) != 1 || got[0].Tag != "PUMP-008" || got[0].Reader != "R-L0-S03" {
		t.Errorf("convert = %+v, want one normalised sighting", got)
	}
	if len(drops) != 1 || drops[0] != dropTagEmpty {
		t.Errorf("drops %v, want [tag_empty]", drops)
	}
}

func TestDropReasonNames(t *testing.T) {
	seen := map[string]bool{}
	for r := range numDropReasons {
		name := r.String()
		if name == "" || seen[name] || strings.ContainsAny(name, " -") {
			t.Errorf("reason %d has bad or repeated label %q", r, name)
		}
		seen[name] = true
	}
}

// The optional button and battery of a sighting reach the engine; a
// battery outside 0..100 (or not a number) drops only that field, counted
// as battery_out_of_range, and keeps the sighting.
func TestConvertButtonAndBattery(t *testing.T) {
	now := time.Unix(1_763_719_200, 0)
	ms := now.UnixMilli()
	l := newLimits(Config{MaxFuture: time.Minute, MaxAge: time.Hour, MaxTagLen: 64}, now)
	pct := func(v float64) *float64 { return &v }
	b := Batch{Reader: "R", Seq: 1, Sightings: []WireSighting{
		{TS: ms, Tag: "STAFF-1", RSSI: -60, Button: true},
		{TS: ms, Tag: "PUMP-1", RSSI: -60, Battery: pct(19.6)},
		{TS: ms, Tag: "PUMP-2", RSSI: -60, Battery: pct(0)},
		{TS: ms, Tag: "PUMP-3", RSSI: -60, Battery: pct(100)},
		{TS: ms, Tag: "PUMP-4", RSSI: -60, Battery: pct(100.5)},
		{TS: ms, Tag: "PUMP-5", RSSI: -60, Battery: pct(-1)},
		{TS: ms, Tag: "PUMP-6", RSSI: -60, Battery: pct(math.NaN())},
		{TS: ms, Tag: "PUMP-7", RSSI: -60},
	}}
	var drops []dropReason
	got := l.convert(b, func(r dropReason) { drops = append(drops, r) })
	if len(got) != len(b.Sightings) {
		t.Fatalf("kept %d sightings, want all %d", len(got), len(b.Sightings))
	}
	if !got[0].Button || got[1].Button {
		t.Errorf("button: got %v %v, want true false", got[0].Button, got[1].Button)
	}
	wantBattery := []struct {
		pct uint8
		ok  bool
	}{{0, false}, {20, true}, {0, true}, {100, true}, {0, false}, {0, false}, {0, false}, {0, false}}
	for i, w := range wantBattery {
		if got[i].Battery != w.pct || got[i].HasBattery != w.ok {
			t.Errorf("sighting %d: battery %d %v, want %d %v", i, got[i].Battery, got[i].HasBattery, w.pct, w.ok)
		}
	}
	if len(drops) != 3 || drops[0] != dropBattery || drops[1] != dropBattery || drops[2] != dropBattery {
		t.Errorf("drops %v, want three battery_out_of_range", drops)
	}
}

package storetest

import (
	"bytes"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/hospitalrtls/rtls/location"
	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
)

func testFence(t *testing.T, open Opener) {
	s := open(t, Retention{})
	if got := loadFence(t, s); len(got) != 0 {
		t.Fatalf("LoadFence of an empty store = %d parts", len(got))
	}
	binary := []byte{0, 1, 0xff, '\n', 0, 0x80} // parts are binary
	apply(t, s, store.Update{
		Positions: []location.Position{pos("T1", "L0", "R1", 1)},
		Events:    []geofence.Event{event("T1", "R1", 1)},
		Fence:     map[string][]byte{"": {1, 2, 3}, "T1": binary, "T2": {7}, "T3": {}},
	})
	want := map[string][]byte{"": {1, 2, 3}, "T1": bytes.Clone(binary), "T2": {7}, "T3": {}}
	checkParts(t, "after the first Apply", loadFence(t, s), want)
	binary[0] = 9 // the store keeps its own copy
	checkParts(t, "after changing an applied part", loadFence(t, s), want)
	apply(t, s, store.Update{Fence: map[string][]byte{"T1": {4}, "T2": nil, "absent": nil}})
	want["T1"] = []byte{4}
	delete(want, "T2")
	checkParts(t, "after a put and deletes", loadFence(t, s), want)
	got := loadFence(t, s)
	got["T1"][0] = 99 // nor does a caller change the stored parts
	checkParts(t, "after changing a loaded part", loadFence(t, s), want)
	t.Run("Many", func(t *testing.T) {
		many := map[string][]byte{}
		for i := range 3000 {
			many[tagName(i)] = []byte(strings.Repeat("x", i%40))
		}
		apply(t, s, store.Update{Fence: many})
		maps.Copy(want, many)
		checkParts(t, "after 3000 parts", loadFence(t, s), want)
	})
}

func testConfig(t *testing.T, open Opener) {
	s := open(t, Retention{})
	for _, k := range store.ConfigKinds() {
		if got := loadConfig(t, s, k); len(got) != 0 {
			t.Fatalf("LoadConfig(%s) of an empty store = %d items", k, len(got))
		}
	}
	apply(t, s, store.Update{Config: []store.ConfigChange{
		{Kind: store.ConfigRule, ID: "r1", Data: []byte(`{"id":"r1"}`)},
		{Kind: store.ConfigRule, ID: "r2", Data: []byte(`{"id":"r2"}`)},
		{Kind: store.ConfigZone, ID: "r1", Data: []byte("zone r1")}, // ids are per kind
		{Kind: store.ConfigTag, ID: "PUMP-1", Data: []byte{0, 0xff}},
		{Kind: store.ConfigRule, ID: "r2", Data: []byte("r2 again")}, // in order: the last wins
	}})
	want := map[string]map[string][]byte{
		store.ConfigRule: {"r1": []byte(`{"id":"r1"}`), "r2": []byte("r2 again")},
		store.ConfigZone: {"r1": []byte("zone r1")},
		store.ConfigTag:  {"PUMP-1": {0, 0xff}},
	}
	checkConfig(t, s, want)
	apply(t, s, store.Update{Config: []store.ConfigChange{
		{Kind: store.ConfigRule, ID: "r1"}, // nil data deletes
		{Kind: store.ConfigZone, ID: "z2", Data: []byte("z2")},
		{Kind: store.ConfigTag, ID: "unknown"},
	}})
	delete(want[store.ConfigRule], "r1")
	want[store.ConfigZone]["z2"] = []byte("z2")
	checkConfig(t, s, want)
	for _, kind := range []string{"", "rules", "Rule"} {
		if _, err := s.LoadConfig(ctx(t), kind); !errors.Is(err, store.ErrBadKind) {
			t.Errorf("LoadConfig(%q) error = %v, want ErrBadKind", kind, err)
		}
	}
}

func testDurableInvalid(t *testing.T, open Opener) {
	s := open(t, Retention{})
	long := strings.Repeat("x", store.MaxIDLen+1)
	big := make([]byte, store.MaxDataLen+1)
	tests := []struct {
		name   string
		fence  map[string][]byte
		config []store.ConfigChange
	}{
		{name: "config without kind", config: []store.ConfigChange{{ID: "r", Data: []byte("x")}}},
		{name: "unknown kind", config: []store.ConfigChange{{Kind: "rules", ID: "r", Data: []byte("x")}}},
		{name: "config without id", config: []store.ConfigChange{{Kind: store.ConfigRule, Data: []byte("x")}}},
		{name: "long config id", config: []store.ConfigChange{{Kind: store.ConfigTag, ID: long}}},
		{name: "bad UTF-8 config id", config: []store.ConfigChange{{Kind: store.ConfigZone, ID: "z\xff"}}},
		{name: "large config", config: []store.ConfigChange{{Kind: store.ConfigZone, ID: "z", Data: big}}},
		{name: "long fence key", fence: map[string][]byte{long: {1}}},
		{name: "bad UTF-8 fence key", fence: map[string][]byte{"\xc3": {1}}},
		{name: "large fence part", fence: map[string][]byte{"T": big}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := store.Update{
				Seq:       7,
				Positions: []location.Position{pos("GOOD", "L0", "R0", 1)},
				Events:    []geofence.Event{event("GOOD", "R0", 1)},
				Fence:     map[string][]byte{"": {1}, "GOOD": {2}},
				Config:    []store.ConfigChange{{Kind: store.ConfigRule, ID: "good", Data: []byte("r")}},
			}
			maps.Copy(u.Fence, tt.fence)
			u.Config = append(u.Config, tt.config...)
			if _, err := s.Apply(ctx(t), u); !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("Apply error = %v, want ErrInvalid", err)
			}
			checkNothingWritten(t, s)
		})
	}
}

// checkNothingWritten fails unless s holds no position, event, fence part,
// configuration item or Seq.
func checkNothingWritten(t *testing.T, s store.Store) {
	t.Helper()
	if _, err := s.GetPosition(ctx(t), "GOOD"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a position of a rejected update was stored (error %v)", err)
	}
	if id, err := s.LastEventID(ctx(t)); err != nil || id != "0" {
		t.Errorf("LastEventID = %q, %v: an event of a rejected update was stored", id, err)
	}
	if got := loadFence(t, s); len(got) != 0 {
		t.Errorf("%d fence parts of a rejected update were stored", len(got))
	}
	for _, k := range store.ConfigKinds() {
		if got := loadConfig(t, s, k); len(got) != 0 {
			t.Errorf("%d %s items of a rejected update were stored", len(got), k)
		}
	}
	if seq, err := s.LastSeq(ctx(t)); err != nil || seq != 0 {
		t.Errorf("LastSeq = %d, %v: the Seq of a rejected update was stored", seq, err)
	}
}

// loadFence returns the stored fence parts, failing the test on error.
func loadFence(t *testing.T, s store.Store) map[string][]byte {
	t.Helper()
	m, err := s.LoadFence(ctx(t))
	if err != nil {
		t.Fatalf("LoadFence: %v", err)
	}
	return m
}

// loadConfig returns the stored items of kind, failing the test on error.
func loadConfig(t *testing.T, s store.Store, kind string) map[string][]byte {
	t.Helper()
	m, err := s.LoadConfig(ctx(t), kind)
	if err != nil {
		t.Fatalf("LoadConfig(%s): %v", kind, err)
	}
	return m
}

// checkParts fails unless got holds exactly want (empty and nil values are
// alike: a store may return either for an empty value).
func checkParts(t *testing.T, when string, got, want map[string][]byte) {
	t.Helper()
	if !maps.EqualFunc(got, want, func(a, b []byte) bool { return string(a) == string(b) }) {
		t.Errorf("%s: got %d parts, want %d, or different values", when, len(got), len(want))
	}
}

// checkConfig fails unless s holds exactly want of every kind.
func checkConfig(t *testing.T, s store.Store, want map[string]map[string][]byte) {
	t.Helper()
	for _, k := range store.ConfigKinds() {
		checkParts(t, "config "+k, loadConfig(t, s, k), want[k])
	}
}
